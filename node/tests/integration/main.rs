//! The ehr-node integration tests: one test binary with a module per
//! scenario, so the whole node is linked into a test binary once and not
//! once per scenario (docs/build.md has the build times this saves).
//!
//! Every scenario starts real `ehr-node` processes on free ports through
//! the harness crate [`ehr_test_utils`] (test-utils/), which kills every
//! process it started, even when a test fails.
//! Run one scenario with `./scripts/test --test integration SCENARIO::`,
//! e.g. `consortium::`.

mod admission;
mod bad_input;
mod budget_load;
mod consortium;
mod custody;
mod deploy;
mod dev_node;
mod end_to_end;
mod fhir_import;
mod flow_benchmarks;
mod hospital_setup;
mod local_network;
mod node_services;
mod partition;
mod polkadot_js;
mod portal;
mod request_flood;
mod stall;
mod sync_protocol;
mod usage_doc;
