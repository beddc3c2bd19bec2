//! Unit tests of pallet-consortium on the mock runtime, one file per concern
//! under `tests/`:
//!
//! - `profiles`: hospital profiles (names and peer ids), their checks and
//!   bounds, and their removal when a hospital leaves;
//! - `governance`: dispatching as root and setting the parameters;
//! - `admission`: the transaction extensions' registration check and rate
//!   limits, in blocks and in the pool;
//! - `validators`: the validator set and session length.
//!
//! Every test runs in `mock::build_and_execute`, which checks the pallet's
//! invariants (`try_state`) after the test body; the one that does not says why.

use crate::mock::{RuntimeEvent, System};

mod admission;
mod governance;
mod migrations;
mod profiles;
mod validators;

/// The last event deposited.
fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event was deposited").event
}
