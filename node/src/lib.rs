//! ehr-node as a library: the node's services, reusable by its tests and tools.
#![warn(missing_docs)]

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod blob_store;
pub mod chain_spec;
pub mod cli;
pub mod command;
pub mod ehr_rpc;
pub mod metrics;
pub mod peering;
pub mod proxy_key;
pub mod proxy_worker;
pub mod rpc;
pub mod service;
pub mod tx;
