//! Configuration of each pallet in the runtime.

/// This machine class's measured ParityDB weights (docs/benchmarks.md,
/// "Database weights"), not the SDK's defaults.
use crate::db_weights::ParityDbWeight;
use alloc::vec::Vec;
use frame_support::{
	derive_impl,
	dispatch::DispatchClass,
	parameter_types,
	traits::{
		fungible,
		tokens::{DepositConsequence, Fortitude, Preservation, Provenance, WithdrawConsequence},
		ChangeMembers, ConstBool, ConstU128, ConstU32, ConstU64, Contains, EitherOfDiverse, InitializeMembers,
	},
	weights::{constants::WEIGHT_REF_TIME_PER_SECOND, Weight},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureRoot,
};
use pallet_consortium::{AccountClass, AccountRegistry, Admission, CallPolicy};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::Convert, DispatchError, DispatchResult, Perbill, Permill, TokenError};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Block, BlockNumber, Consortium, Council, Ehr, Hash, HospitalMembership, Nonce,
	PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, RuntimeTask, Session,
	SessionKeys, DAYS, MINUTES, SLOT_DURATION, VERSION,
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
	pub const BlockHashCount: BlockNumber = 2400;
	pub const Version: RuntimeVersion = VERSION;
	/// Up to 1.5 s of compute in a 3 s block.
	pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
		Weight::from_parts(WEIGHT_REF_TIME_PER_SECOND * 3 / 2, u64::MAX),
		NORMAL_DISPATCH_RATIO,
	);
	pub RuntimeBlockLength: BlockLength = BlockLength::builder()
		.max_length(5 * 1024 * 1024)
		.modify_max_length_for_class(DispatchClass::Normal, |max| *max = NORMAL_DISPATCH_RATIO * *max)
		.build();
	pub const SS58Prefix: u8 = 42;
}

/// Calls nobody may make: a member changing its own account
/// (`HospitalMembership::change_key`) would move its council seat without a
/// vote and leave its proxy, records and profile under the old account. A
/// hospital that changes accounts is voted out and in again (docs/operator.md).
pub struct RefusedCalls;
impl Contains<RuntimeCall> for RefusedCalls {
	fn contains(call: &RuntimeCall) -> bool {
		!matches!(call, RuntimeCall::HospitalMembership(pallet_membership::Call::change_key { .. }))
	}
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type BaseCallFilter = RefusedCalls;
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores state in ParityDB.
	type DbWeight = ParityDbWeight;
	type Version = Version;
	/// No balances: an account is usable once pallet-ehr (or membership)
	/// gives it a provider reference.
	type AccountData = ();
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	/// Multi-block migrations (crate::migrations) run through pallet-migrations.
	type MultiBlockMigrator = crate::MultiBlockMigrations;
}

impl pallet_aura::Config for Runtime {
	type AuthorityId = AuraId;
	type DisabledValidators = ();
	type MaxAuthorities = ConstU32<32>;
	type AllowMultipleBlocksPerSlot = ConstBool<false>;
	type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type WeightInfo = ();
	type MaxAuthorities = ConstU32<32>;
	type MaxNominators = ConstU32<0>;
	type MaxSetIdSessionEntries = ConstU64<0>;
	type KeyOwnerProof = sp_core::Void;
	type EquivocationReportSystem = ();
}

impl pallet_timestamp::Config for Runtime {
	type Moment = u64;
	type OnTimestampSet = Aura;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = ();
}

/// Sudo exists only for the development preset; local and production specs
/// set no key, so nobody can use it there.
impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

/// The hospitals' council: the collective in which member hospitals vote.
pub type CouncilInstance = pallet_collective::Instance1;

/// A decision of the consortium: at least two thirds of the member hospitals
/// voting aye in the council (or root, which only the development chain's
/// sudo key can reach).
pub type GovernanceOrigin = EitherOfDiverse<
	EnsureRoot<AccountId>,
	pallet_collective::EnsureProportionAtLeast<AccountId, CouncilInstance, 2, 3>,
>;

/// Most member hospitals (the membership's and the council's bound).
pub const MAX_HOSPITALS: u32 = 64;

/// The consortium's member hospitals; joining and leaving take a two-thirds vote.
impl pallet_membership::Config<pallet_membership::Instance1> for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type AddOrigin = GovernanceOrigin;
	type RemoveOrigin = GovernanceOrigin;
	type SwapOrigin = GovernanceOrigin;
	type ResetOrigin = GovernanceOrigin;
	/// No prime: every decision needs two thirds of explicit ayes.
	type PrimeOrigin = frame_system::EnsureNever<()>;
	type MembershipInitialized = MembershipHooks;
	type MembershipChanged = MembershipHooks;
	type MaxMembers = ConstU32<MAX_HOSPITALS>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

/// Tells the council, pallet-ehr, the consortium and the session about
/// membership changes: the council's voters are the members, pallet-ehr
/// gives members an account reference and retires leavers' proxies, the
/// consortium drops leavers' profiles, and leavers' session keys are purged
/// (a hospital admitted again must set new keys).
pub struct MembershipHooks;
impl InitializeMembers<AccountId> for MembershipHooks {
	fn initialize_members(members: &[AccountId]) {
		Council::initialize_members(members);
		Ehr::initialize_members(members);
		Consortium::initialize_members(members);
	}
}
impl ChangeMembers<AccountId> for MembershipHooks {
	fn change_members_sorted(incoming: &[AccountId], outgoing: &[AccountId], new: &[AccountId]) {
		Council::change_members_sorted(incoming, outgoing, new);
		Ehr::change_members_sorted(incoming, outgoing, new);
		Consortium::change_members_sorted(incoming, outgoing, new);
		for hospital in outgoing {
			// As if the leaver purged its own keys; `NoKeys` when it never set
			// any, so there is nothing to purge.
			let _ = Session::purge_keys(RuntimeOrigin::signed(hospital.clone()));
		}
	}
	/// The council has no prime: the membership's prime is ignored.
	fn set_prime(_prime: Option<AccountId>) {}
	fn get_prime() -> Option<AccountId> {
		None
	}
}

/// Absent votes count as nay, whatever the prime (there is none) voted:
/// a motion passes only with the explicit ayes its threshold needs.
pub struct AbsentVotesAreNays;
impl pallet_collective::DefaultVote for AbsentVotesAreNays {
	fn default_vote(
		_prime_vote: Option<bool>,
		_yes_votes: pallet_collective::MemberCount,
		_no_votes: pallet_collective::MemberCount,
		_len: pallet_collective::MemberCount,
	) -> bool {
		false
	}
}

parameter_types! {
	/// A motion may be closed with the votes it has after two days.
	pub const MotionDuration: BlockNumber = 2 * DAYS;
	/// A motion may carry at most half a block of work (a runtime upgrade needs less).
	pub MaxProposalWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

/// The council of member hospitals. Its members are set only by the
/// membership (`MembershipHooks`); absent votes count as nay.
impl pallet_collective::Config<CouncilInstance> for Runtime {
	type RuntimeOrigin = RuntimeOrigin;
	type Proposal = RuntimeCall;
	type RuntimeEvent = RuntimeEvent;
	type MotionDuration = MotionDuration;
	/// Room for every member's open motions at once ([`OpenMotion`]).
	type MaxProposals = ConstU32<{ MAX_OPEN_MOTIONS_PER_MEMBER * MAX_HOSPITALS }>;
	type MaxMembers = ConstU32<MAX_HOSPITALS>;
	type DefaultVote = AbsentVotesAreNays;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = GovernanceOrigin;
	type KillOrigin = GovernanceOrigin;
	type Consideration = OpenMotion;
}

/// How many council motions one member may have open at a time.
pub const MAX_OPEN_MOTIONS_PER_MEMBER: u32 = 2;

/// The council's ticket for a member's open motion: a member may have at
/// most [`MAX_OPEN_MOTIONS_PER_MEMBER`] open at once, and the council has
/// room for that many of every member's, so no member (nor any group of
/// members) can take the slots others need, such as the motion to remove
/// it (audit finding 10). There is no currency, so the ticket holds
/// nothing: it only marks the proposer ([`pallet_collective::CostOf`]).
/// Once a motion is closed anyone may release its ticket
/// (`council.release_proposal_cost`), which removes that entry.
#[derive(
	Clone,
	PartialEq,
	Eq,
	Debug,
	codec::Encode,
	codec::Decode,
	codec::DecodeWithMemTracking,
	codec::MaxEncodedLen,
	scale_info::TypeInfo,
)]
pub struct OpenMotion;

impl frame_support::traits::Consideration<AccountId, u32> for OpenMotion {
	/// Fails with `pallet_consortium::Error::TooManyOpenMotions` when
	/// `who` already has its share of open motions. Reads the open motions'
	/// tickets: at most `MaxProposals` reads.
	fn new(who: &AccountId, _open_motions: u32) -> Result<Self, DispatchError> {
		let own = pallet_collective::Proposals::<Runtime, CouncilInstance>::get()
			.iter()
			.filter(|hash| {
				pallet_collective::CostOf::<Runtime, CouncilInstance>::get(hash).is_some_and(|(owner, _)| owner == *who)
			})
			.count();
		if own >= MAX_OPEN_MOTIONS_PER_MEMBER as usize {
			return Err(pallet_consortium::Error::<Runtime>::TooManyOpenMotions.into());
		}
		Ok(OpenMotion)
	}
	fn update(self, _who: &AccountId, _open_motions: u32) -> Result<Self, DispatchError> {
		Ok(self)
	}
	fn drop(self, _who: &AccountId) -> Result<(), DispatchError> {
		Ok(())
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn ensure_successful(_who: &AccountId, _open_motions: u32) {}
}

impl frame_support::traits::MaybeConsideration<AccountId, u32> for OpenMotion {
	/// Never: the ticket must be kept, it is how motions are counted.
	fn is_none(&self) -> bool {
		false
	}
}

/// Which accounts may transact without fees: member hospitals and the node
/// accounts of members' proxies (hospital class), registered patients and
/// providers (person class).
pub struct RegisteredAccounts;
impl AccountRegistry<AccountId> for RegisteredAccounts {
	/// A member counts against its own window; a member's node account
	/// against its hospital's, so node accounts do not multiply the limit.
	fn admission_of(who: &AccountId) -> Option<Admission<AccountId>> {
		if HospitalMembership::contains(who) {
			return Some(Admission { class: AccountClass::Hospital, counted_as: who.clone() });
		}
		if let Some(hospital) = pallet_ehr::ProxyAccountOf::<Runtime>::get(who) {
			return HospitalMembership::contains(&hospital)
				.then_some(Admission { class: AccountClass::HospitalNode, counted_as: hospital });
		}
		(pallet_ehr::Patients::<Runtime>::contains_key(who) || pallet_ehr::Providers::<Runtime>::contains_key(who))
			.then(|| Admission { class: AccountClass::Person, counted_as: who.clone() })
	}
}

/// How many transactions a call counts as toward its signer's rate limit:
/// a `create_records` batch counts one per record, so a hospital cannot
/// put 64 times its allowance into blocks by batching; every other call
/// counts as one.
pub struct RecordsCountEach;
impl pallet_consortium::AdmissionCost<RuntimeCall> for RecordsCountEach {
	fn admission_cost(call: &RuntimeCall) -> u32 {
		match call {
			RuntimeCall::Ehr(pallet_ehr::Call::create_records { records }) => (records.len() as u32).max(1),
			_ => 1,
		}
	}
}

/// The longest `session.set_keys` proof admitted: the proof of the runtime's
/// session keys is one signature per key, two of 64 bytes.
pub const MAX_SESSION_KEYS_PROOF: usize = 256;

/// The calls each kind of registered account has a use for; the pool and
/// the block refuse every other signed call (`CALL_NOT_ADMITTED`), so it
/// takes no block space, not even to fail (docs/admission.md).
/// - People (patients, providers): share, revoke, request, rotate and
///   re-key their keys, retire and restore their own records.
/// - Node accounts: their proxy's work (cfrags) and read confirmations.
/// - Member hospitals: registering people, proxies and records, a proxy's
///   work when the hospital's own account is its node account, read
///   confirmations, their profile and endpoints, council motions and votes,
///   session keys, and `system.remark` (a hospital's own marker, the
///   benchmarks' baseline); the development chain's sudo key also sudo.
///
/// Governance calls (`set_rate_limits`, membership, `set_code`...) reach the
/// runtime inside a council motion, never as a member's own transaction;
/// a runtime upgrade is a motion to `system.authorize_upgrade` followed by
/// the unsigned `system.apply_authorized_upgrade`, so no signed transaction
/// carries a runtime's code.
pub struct AdmittedCalls;
impl CallPolicy<AccountId, RuntimeCall> for AdmittedCalls {
	fn admits(class: AccountClass, who: &AccountId, call: &RuntimeCall) -> bool {
		use pallet_ehr::Call as EhrCall;
		match class {
			AccountClass::Person => matches!(
				call,
				RuntimeCall::Ehr(
					EhrCall::grant { .. }
						| EhrCall::revoke { .. }
						| EhrCall::request_access { .. }
						| EhrCall::rotate_keys { .. }
						| EhrCall::rekey_records { .. }
						| EhrCall::retire_record { .. }
						| EhrCall::restore_records { .. }
				)
			),
			AccountClass::HospitalNode => matches!(
				call,
				RuntimeCall::Ehr(
					EhrCall::submit_cfrag { .. } | EhrCall::confirm_fetch { .. } | EhrCall::confirm_patient_read { .. }
				)
			),
			AccountClass::Hospital => match call {
				RuntimeCall::Ehr(
					EhrCall::register_proxy { .. }
					| EhrCall::register_patient { .. }
					| EhrCall::register_provider { .. }
					| EhrCall::create_record { .. }
					| EhrCall::create_records { .. }
					| EhrCall::retire_record { .. }
					| EhrCall::submit_cfrag { .. }
					| EhrCall::confirm_fetch { .. }
					| EhrCall::confirm_patient_read { .. },
				) => true,
				RuntimeCall::Consortium(
					pallet_consortium::Call::set_profile { .. } | pallet_consortium::Call::set_endpoints { .. },
				) => true,
				RuntimeCall::Council(
					pallet_collective::Call::propose { .. }
					| pallet_collective::Call::vote { .. }
					| pallet_collective::Call::close { .. }
					| pallet_collective::Call::release_proposal_cost { .. },
				) => true,
				// The keys' proof of possession is checked here, in the pool,
				// not only once the call dispatches: a member's invalid or
				// oversize proof takes no block space.
				RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }) => {
					use sp_runtime::traits::OpaqueKeys;
					proof.len() <= MAX_SESSION_KEYS_PROOF
						&& codec::Encode::using_encoded(who, |owner| keys.ownership_proof_is_valid(owner, proof))
				},
				RuntimeCall::Session(pallet_session::Call::purge_keys {}) => true,
				RuntimeCall::System(frame_system::Call::remark { .. }) => true,
				RuntimeCall::Sudo(_) => pallet_sudo::Key::<Runtime>::get().as_ref() == Some(who),
				_ => false,
			},
		}
	}

	/// `set_keys`: one signature check per session key (sr25519 and
	/// ed25519, host functions, each well under 100 µs here); `sudo`: the
	/// key's read.
	fn weight(call: &RuntimeCall) -> Weight {
		match call {
			RuntimeCall::Session(pallet_session::Call::set_keys { .. }) => Weight::from_parts(200_000_000, 0),
			RuntimeCall::Sudo(_) => ParityDbWeight::get().reads(1),
			_ => Weight::zero(),
		}
	}
}

/// Whether an account has set session keys.
pub struct HasSessionKeys;
impl Contains<AccountId> for HasSessionKeys {
	fn contains(who: &AccountId) -> bool {
		pallet_session::NextKeys::<Runtime>::contains_key(who)
	}
}

impl pallet_consortium::Config for Runtime {
	type RuntimeCall = RuntimeCall;
	type Members = HospitalMembership;
	type GovernanceOrigin = GovernanceOrigin;
	type Registry = RegisteredAccounts;
	type AdmissionCost = RecordsCountEach;
	type CallPolicy = AdmittedCalls;
	type SessionKeys = HasSessionKeys;
	type SessionRotation = ConsortiumSessions;
	type WeightInfo = pallet_consortium::weights::SubstrateWeight<Runtime>;
}

/// Sessions as the consortium sets them: its length is a governed parameter
/// and its validators are the members with session keys.
pub struct ConsortiumSessions;
/// Never from pallet-session itself: pallet-consortium's `on_initialize`
/// rotates the session ([`ConsortiumSessions`]' `SessionRotation`), because
/// pallet-session charges a rotation the whole block, which would leave no
/// room for a single transaction in one block of every session.
impl pallet_session::ShouldEndSession<BlockNumber> for ConsortiumSessions {
	fn should_end_session(_now: BlockNumber) -> bool {
		false
	}
}
/// The storage a session rotation reads and writes, at most, for `members`
/// member hospitals: pallet-session's index, queued keys and flags, the
/// validators, the disabled set and two events; the membership and each
/// member's keys (twice: the manager's filter, then loading them);
/// pallet-consortium's session start; Aura's authorities; GRANDPA's pending
/// change, set id, stall and set-id session. Compute is bounded by the same
/// per-member work (comparing and copying keys): 20 µs each and 1 ms fixed,
/// well above what it takes (a four-member rotation runs in tens of µs).
pub fn session_rotation_weight(members: u64) -> Weight {
	ParityDbWeight::get().reads_writes(14u64.saturating_add(members.saturating_mul(2)), 14).saturating_add(
		Weight::from_parts(
			1_000_000_000u64.saturating_add(members.saturating_mul(20_000_000)),
			members.saturating_mul(256).saturating_add(4096),
		),
	)
}
impl pallet_consortium::SessionRotation for ConsortiumSessions {
	fn rotate() -> Weight {
		Session::rotate_session();
		session_rotation_weight(u64::from(MAX_HOSPITALS))
	}
}
impl frame_support::traits::EstimateNextSessionRotation<BlockNumber> for ConsortiumSessions {
	fn average_session_length() -> BlockNumber {
		pallet_consortium::SessionLength::<Runtime>::get()
	}
	fn estimate_current_session_progress(now: BlockNumber) -> (Option<Permill>, Weight) {
		(Some(Consortium::session_progress(now)), ParityDbWeight::get().reads(2))
	}
	fn estimate_next_session_rotation(_now: BlockNumber) -> (Option<BlockNumber>, Weight) {
		(Some(Consortium::next_session_end()), ParityDbWeight::get().reads(2))
	}
}
impl pallet_session::SessionManager<AccountId> for ConsortiumSessions {
	fn new_session(_index: u32) -> Option<Vec<AccountId>> {
		Consortium::next_validators()
	}
	fn end_session(_index: u32) {}
	fn start_session(_index: u32) {
		Consortium::note_session_start();
	}
}

/// Only member hospitals have a validator id (their account), so only they
/// can set session keys. An account that still has keys keeps its id too,
/// so that the membership hook can purge a leaver's keys after the
/// membership already dropped it (a leaver cannot transact, so it cannot set
/// keys again).
pub struct MemberValidatorId;
impl Convert<AccountId, Option<AccountId>> for MemberValidatorId {
	fn convert(account: AccountId) -> Option<AccountId> {
		(HospitalMembership::contains(&account) || pallet_session::NextKeys::<Runtime>::contains_key(&account))
			.then_some(account)
	}
}

/// The "currency" pallet-session holds a key deposit in. ehr-chain has no
/// currency (see docs/architecture.md): nobody holds a balance, so setting
/// session keys costs nothing (`KeyDeposit` is zero) and any attempt to hold
/// or mint a non-zero amount fails with `TokenError::Unsupported`. Who may
/// set keys at all is decided by [`MemberValidatorId`], not by a deposit.
pub struct NoCurrency;

impl fungible::Inspect<AccountId> for NoCurrency {
	type Balance = Balance;
	fn total_issuance() -> Balance {
		0
	}
	fn minimum_balance() -> Balance {
		0
	}
	fn total_balance(_: &AccountId) -> Balance {
		0
	}
	fn balance(_: &AccountId) -> Balance {
		0
	}
	fn reducible_balance(_: &AccountId, _: Preservation, _: Fortitude) -> Balance {
		0
	}
	fn can_deposit(_: &AccountId, amount: Balance, _: Provenance) -> DepositConsequence {
		if amount == 0 {
			DepositConsequence::Success
		} else {
			DepositConsequence::UnknownAsset
		}
	}
	fn can_withdraw(_: &AccountId, amount: Balance) -> WithdrawConsequence<Balance> {
		if amount == 0 {
			WithdrawConsequence::Success
		} else {
			WithdrawConsequence::BalanceLow
		}
	}
}

impl fungible::Unbalanced<AccountId> for NoCurrency {
	fn handle_dust(_: fungible::Dust<AccountId, Self>) {}
	fn write_balance(_: &AccountId, amount: Balance) -> Result<Option<Balance>, DispatchError> {
		if amount == 0 {
			Ok(None)
		} else {
			Err(TokenError::Unsupported.into())
		}
	}
	fn set_total_issuance(_: Balance) {}
}

impl fungible::Mutate<AccountId> for NoCurrency {}

impl fungible::hold::Inspect<AccountId> for NoCurrency {
	type Reason = RuntimeHoldReason;
	fn total_balance_on_hold(_: &AccountId) -> Balance {
		0
	}
	fn balance_on_hold(_: &Self::Reason, _: &AccountId) -> Balance {
		0
	}
}

impl fungible::hold::Unbalanced<AccountId> for NoCurrency {
	fn set_balance_on_hold(_: &Self::Reason, _: &AccountId, amount: Balance) -> DispatchResult {
		if amount == 0 {
			Ok(())
		} else {
			Err(TokenError::Unsupported.into())
		}
	}
}

impl fungible::hold::Mutate<AccountId> for NoCurrency {}

impl pallet_session::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type ValidatorId = AccountId;
	type ValidatorIdOf = MemberValidatorId;
	type ShouldEndSession = ConsortiumSessions;
	type NextSessionRotation = ConsortiumSessions;
	type SessionManager = ConsortiumSessions;
	type SessionHandler = <SessionKeys as sp_runtime::traits::OpaqueKeys>::KeyTypeIdProviders;
	type Keys = SessionKeys;
	type DisablingStrategy = ();
	type WeightInfo = pallet_session::weights::SubstrateWeight<Runtime>;
	type Currency = NoCurrency;
	type KeyDeposit = ConstU128<0>;
}

/// Answers pallet-ehr's question "is this a hospital?" from the membership.
pub struct MemberHospitals;
impl pallet_ehr::HospitalMembership<AccountId> for MemberHospitals {
	fn is_hospital(who: &AccountId) -> bool {
		HospitalMembership::contains(who)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn add_hospital_for_benchmarks(who: &AccountId) {
		use frame_support::traits::SortedMembers;
		<HospitalMembership as SortedMembers<AccountId>>::add(who);
	}
}

parameter_types! {
	/// An access request stays open for 100 blocks (5 minutes).
	pub const RequestTimeout: BlockNumber = 100;
	/// Until the consortium decides otherwise: a ready request is readable
	/// for 30 minutes, finished requests and ended grants are kept for 30
	/// days before they are pruned, and a retired record's body is kept for
	/// 30 days, during which the record can be restored.
	pub const DefaultEhrParameters: pallet_ehr::EhrParameters<BlockNumber> = pallet_ehr::EhrParameters {
		reading_window: 30 * MINUTES,
		retention: 30 * DAYS,
		retirement_grace: 30 * DAYS,
	};
}

impl pallet_ehr::Config for Runtime {
	type HospitalOrigin = pallet_consortium::EnsureHospital<Runtime>;
	type Hospitals = MemberHospitals;
	type RequestTimeout = RequestTimeout;
	type MaxRequestsPerBlock = ConstU32<64>;
	/// A quarter of a block's requests.
	type MaxRequestsPerGranteePerBlock = ConstU32<16>;
	/// A quarter of a block's requests for all the people one hospital
	/// onboarded together, so one hospital's sybils leave three quarters.
	type MaxRequestsPerHospitalPerBlock = ConstU32<16>;
	/// A quarter of a block's requests on one patient's records.
	type MaxRequestsPerPatientPerBlock = ConstU32<16>;
	/// A day: a hospital registers at most 1,000 people a day.
	type RegistrationWindow = ConstU32<DAYS>;
	type MaxRegistrationsPerWindow = ConstU32<1000>;
	/// 100 imports of 500 resources a day for visiting patients.
	type MaxRecordsForOthersPerWindow = ConstU32<50_000>;
	type MaxPrunePerBlock = ConstU32<64>;
	/// A day: an account retires at most 100 records a day, as many as one
	/// `restore_records` restores.
	type RetirementWindow = ConstU32<DAYS>;
	type MaxRetirementsPerWindow = ConstU32<{ ehr_primitives::MAX_RESTORE_RECORDS }>;
	type DefaultParameters = DefaultEhrParameters;
	type OwnershipSignature = super::Signature;
	type OwnershipSigner = <super::Signature as sp_runtime::traits::Verify>::Signer;
	type GovernanceOrigin = GovernanceOrigin;
	type WeightInfo = pallet_ehr::weights::SubstrateWeight<Runtime>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = Sr25519Proofs;
}

/// Key-ownership proofs signed with real sr25519 keys, for benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct Sr25519Proofs;
#[cfg(feature = "runtime-benchmarks")]
impl pallet_ehr::BenchmarkHelper<sp_runtime::MultiSigner, super::Signature> for Sr25519Proofs {
	fn signer(seed: u32) -> sp_runtime::MultiSigner {
		let seed = alloc::format!("//ehr-benchmark-person-{seed}");
		sp_io::crypto::sr25519_generate(sp_core::crypto::key_types::ACCOUNT, Some(seed.into_bytes())).into()
	}
	fn sign(signer: &sp_runtime::MultiSigner, payload: &[u8]) -> super::Signature {
		let sp_runtime::MultiSigner::Sr25519(public) = signer else { unreachable!("benchmark signers are sr25519") };
		sp_io::crypto::sr25519_sign(sp_core::crypto::key_types::ACCOUNT, public, payload)
			.expect("the benchmark key was just generated")
			.into()
	}
}
