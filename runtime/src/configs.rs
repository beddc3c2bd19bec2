//! Configuration of each pallet in the runtime.

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
	weights::{
		constants::{ParityDbWeight, WEIGHT_REF_TIME_PER_SECOND},
		Weight,
	},
};
use frame_system::{
	limits::{BlockLength, BlockWeights},
	EnsureRoot,
};
use pallet_consortium::{AccountClass, AccountRegistry};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::Convert, DispatchError, DispatchResult, Perbill, Permill, TokenError};
use sp_version::RuntimeVersion;

use super::{
	AccountId, Aura, Balance, Block, BlockNumber, Consortium, Council, Ehr, Hash, HospitalMembership, Nonce,
	PalletInfo, Runtime, RuntimeCall, RuntimeEvent, RuntimeHoldReason, RuntimeOrigin, RuntimeTask, SessionKeys, DAYS,
	SLOT_DURATION, VERSION,
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

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
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
	type PrimeOrigin = GovernanceOrigin;
	type MembershipInitialized = MembershipHooks;
	type MembershipChanged = MembershipHooks;
	type MaxMembers = ConstU32<MAX_HOSPITALS>;
	type WeightInfo = pallet_membership::weights::SubstrateWeight<Runtime>;
}

/// Tells the council, pallet-ehr and the consortium about membership
/// changes: the council's voters are the members, pallet-ehr gives members
/// an account reference, the consortium drops leavers' profiles.
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
	}
	fn set_prime(prime: Option<AccountId>) {
		Council::set_prime(prime);
	}
	fn get_prime() -> Option<AccountId> {
		Council::get_prime()
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
	type MaxProposals = ConstU32<32>;
	type MaxMembers = ConstU32<MAX_HOSPITALS>;
	type DefaultVote = pallet_collective::PrimeDefaultVote;
	type WeightInfo = pallet_collective::weights::SubstrateWeight<Runtime>;
	type SetMembersOrigin = EnsureRoot<AccountId>;
	type MaxProposalWeight = MaxProposalWeight;
	type DisapproveOrigin = GovernanceOrigin;
	type KillOrigin = GovernanceOrigin;
	type Consideration = ();
}

/// Which accounts may transact without fees: member hospitals and the node
/// accounts of members' proxies (hospital class), registered patients and
/// providers (person class).
pub struct RegisteredAccounts;
impl AccountRegistry<AccountId> for RegisteredAccounts {
	fn class_of(who: &AccountId) -> Option<AccountClass> {
		let node_of_member =
			|| pallet_ehr::ProxyAccountOf::<Runtime>::get(who).is_some_and(|h| HospitalMembership::contains(&h));
		if HospitalMembership::contains(who) || node_of_member() {
			Some(AccountClass::Hospital)
		} else if pallet_ehr::Patients::<Runtime>::contains_key(who)
			|| pallet_ehr::Providers::<Runtime>::contains_key(who)
		{
			Some(AccountClass::Person)
		} else {
			None
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
	type SessionKeys = HasSessionKeys;
	type WeightInfo = pallet_consortium::weights::SubstrateWeight<Runtime>;
}

/// Sessions as the consortium sets them: its length is a governed parameter
/// and its validators are the members with session keys.
pub struct ConsortiumSessions;
impl pallet_session::ShouldEndSession<BlockNumber> for ConsortiumSessions {
	fn should_end_session(now: BlockNumber) -> bool {
		Consortium::should_end_session(now)
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
/// can set session keys.
pub struct MemberValidatorId;
impl Convert<AccountId, Option<AccountId>> for MemberValidatorId {
	fn convert(account: AccountId) -> Option<AccountId> {
		HospitalMembership::contains(&account).then_some(account)
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
}

impl pallet_ehr::Config for Runtime {
	type Hospitals = MemberHospitals;
	type RequestTimeout = RequestTimeout;
	type MaxRequestsPerBlock = ConstU32<64>;
	type WeightInfo = pallet_ehr::weights::SubstrateWeight<Runtime>;
}
