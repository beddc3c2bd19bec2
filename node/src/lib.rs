//! ehr-node as a library: the Substrate service (consensus, network, RPC
//! server), the command line and the chain specs. The hospital's EHR
//! services live in `ehr-node-services`; [`service::new_full`] starts them.
#![warn(missing_docs)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod chain_spec;
pub mod cli;
pub mod command;
pub mod rpc;
pub mod service;
pub mod trie_cache;
