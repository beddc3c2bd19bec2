//! Unit tests of pallet-ehr on the mock runtime, with real Umbral objects,
//! one file per concern under `tests/`:
//!
//! - `flow`: the whole flow, from record to fetch, and the m-of-n threshold;
//! - `registry`: registering proxies, patients and providers;
//! - `records`: creating records;
//! - `retirement`: retiring records, the grace that keeps their bodies, and
//!   restoring them;
//! - `grants`: granting access and revoking it;
//! - `requests`: access requests, cfrags, fetch confirmations and expiry;
//! - `privacy`: nothing in clear reaches storage or events, oversize
//!   arguments do not decode;
//! - `audit`: the patient's audit log;
//! - `membership`: hospitals joining and leaving the consortium;
//! - `migrations`: storage migrations;
//! - `attacks`: the runtime's trust holes, each attacked and refused;
//! - `fuzz`: random bytes in every byte-taking argument.
//!
//! Every test runs in `mock::build_and_execute`, which checks the pallet's
//! invariants (`try_state`) after the test body; the few that keep their
//! own externalities say why, and check the invariants themselves.

use crate::{mock::*, types::*};
use frame_support::assert_ok;

mod attacks;
mod audit;
mod flow;
mod fuzz;
mod grants;
mod membership;
mod migrations;
mod pages;
mod privacy;
mod quotas;
mod records;
mod registry;
mod requests;
mod retirement;

/// A scope of exactly `records`.
fn scope(records: &[RecordId]) -> Scope {
	Scope::Records(records.to_vec().try_into().unwrap())
}

/// The clinician requests `record` under `grant`. Returns the request id.
fn request(world: &World, grant: GrantId, record: RecordId) -> RequestId {
	let _ = world;
	let id = crate::NextRequestId::<Test>::get();
	assert_ok!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record));
	id
}

/// Checks the invariants mid-test (`build_and_execute` checks them at the end).
fn check_invariants() {
	Ehr::do_try_state().expect("invariants hold");
}
