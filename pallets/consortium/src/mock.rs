//! A mock runtime for pallet-consortium's tests: members, registered people
//! and session keys are thread-local lists the tests change.

use crate as pallet_consortium;
use crate::types::*;
use core::cell::RefCell;
use frame_support::{
	derive_impl,
	traits::{Contains, SortedMembers},
};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
	pub enum Test {
		System: frame_system,
		Consortium: pallet_consortium,
	}
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

pub const HOSPITAL_A: u64 = 1;
pub const HOSPITAL_B: u64 = 2;
pub const HOSPITAL_C: u64 = 3;
pub const PATIENT: u64 = 100;
pub const STRANGER: u64 = 999;

/// Peer ids of node keys 1 and 2 (`ehr-node key inspect-node-key`).
pub const PEER_1: &str = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp";
pub const PEER_2: &str = "12D3KooWHdiAxVd8uMQR1hGWXccidmfCwLqcMpGwR6QcTP6QRMuD";

thread_local! {
	static MEMBERS: RefCell<Vec<u64>> = RefCell::new(vec![HOSPITAL_A, HOSPITAL_B, HOSPITAL_C]);
	static PEOPLE: RefCell<Vec<u64>> = RefCell::new(vec![PATIENT]);
	static WITH_KEYS: RefCell<Vec<u64>> = RefCell::new(vec![HOSPITAL_A, HOSPITAL_B]);
	/// Hospital A's four node accounts.
	static NODES: RefCell<Vec<(u64, u64)>> = RefCell::new((11..15).map(|node| (node, HOSPITAL_A)).collect());
}

/// Hospital A's node accounts in the mock.
pub const NODES_OF_A: [u64; 4] = [11, 12, 13, 14];

/// The mock's member hospitals.
pub struct Members;
impl SortedMembers<u64> for Members {
	fn sorted_members() -> Vec<u64> {
		MEMBERS.with(|m| {
			let mut members = m.borrow().clone();
			members.sort();
			members
		})
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn add(who: &u64) {
		MEMBERS.with(|m| m.borrow_mut().push(*who));
	}
}

/// Sets the mock's member hospitals.
pub fn set_members(members: &[u64]) {
	MEMBERS.with(|m| *m.borrow_mut() = members.to_vec());
}

/// Marks `who` as having set session keys.
pub fn set_session_keys(who: u64) {
	WITH_KEYS.with(|k| k.borrow_mut().push(who));
}

/// Members are hospitals; the people list are persons.
pub struct Registry;
impl AccountRegistry<u64> for Registry {
	fn admission_of(who: &u64) -> Option<Admission<u64>> {
		if Members::contains(who) {
			Some(Admission { class: AccountClass::Hospital, counted_as: *who })
		} else if let Some(hospital) = NODES.with(|n| n.borrow().iter().find(|(node, _)| node == who).map(|(_, h)| *h))
		{
			Members::contains(&hospital)
				.then_some(Admission { class: AccountClass::HospitalNode, counted_as: hospital })
		} else if PEOPLE.with(|p| p.borrow().contains(who)) {
			Some(Admission { class: AccountClass::Person, counted_as: *who })
		} else {
			None
		}
	}
}

/// Hospitals that have set session keys.
pub struct SessionKeys;
impl Contains<u64> for SessionKeys {
	fn contains(who: &u64) -> bool {
		WITH_KEYS.with(|k| k.borrow().contains(who))
	}
}

/// Hospital A's public RPC endpoint at genesis.
pub const ENDPOINT_A: &str = "wss://rpc.hospital-a.example";

/// Counts a remark as one transaction per byte (at least one), so tests
/// can make calls that count as several toward the rate limit.
pub struct RemarkBytesCount;
impl AdmissionCost<RuntimeCall> for RemarkBytesCount {
	fn admission_cost(call: &RuntimeCall) -> u32 {
		match call {
			RuntimeCall::System(frame_system::Call::remark { remark }) => (remark.len() as u32).max(1),
			_ => 1,
		}
	}
}

/// People may not make `system.remark_with_event`; everyone may make every
/// other call.
pub struct NoEventRemarksForPeople;
impl CallPolicy<u64, RuntimeCall> for NoEventRemarksForPeople {
	fn admits(class: AccountClass, _who: &u64, call: &RuntimeCall) -> bool {
		!(class == AccountClass::Person
			&& matches!(call, RuntimeCall::System(frame_system::Call::remark_with_event { .. })))
	}
}

/// A limit of `units` per `blocks`-block window, with transactions up to
/// 4 KiB, a unit per KiB and per microsecond of compute.
pub fn limit(units: u32, blocks: u32) -> RateLimit {
	RateLimit { units, blocks, max_length: 4096, unit_length: 1024, unit_ref_time: 1_000_000 }
}

impl pallet_consortium::Config for Test {
	type RuntimeCall = RuntimeCall;
	type Members = Members;
	type GovernanceOrigin = EnsureRoot<u64>;
	type Registry = Registry;
	type AdmissionCost = RemarkBytesCount;
	type CallPolicy = NoEventRemarksForPeople;
	type SessionKeys = SessionKeys;
	type SessionRotation = ();
	type WeightInfo = ();
}

/// Genesis with hospital A's profile (node key 1) and endpoint, person
/// limit 3 units per 5 blocks, hospital limit 100 (both [`limit`]) and
/// 10-block sessions.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().expect("mock genesis builds");
	pallet_consortium::GenesisConfig::<Test> {
		profiles: vec![(HOSPITAL_A, "Hospital A".into(), vec![PEER_1.into()])],
		endpoints: vec![(HOSPITAL_A, vec![ENDPOINT_A.into()])],
		rate_limits: Some(RateLimits { person: limit(3, 5), hospital: limit(100, 5) }),
		session_length: Some(10),
	}
	.assimilate_storage(&mut storage)
	.expect("consortium genesis builds");
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| System::set_block_number(1));
	ext
}

/// Runs `test` in a fresh externalities, then checks the pallet's invariants
/// (`try_state`), so that every test ends in a consistent state.
pub fn build_and_execute(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Consortium::do_try_state().expect("invariants hold after the test");
	});
}
