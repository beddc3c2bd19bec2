//! Types of the consortium pallet. The shapes other crates read (profiles,
//! rate limits, admission error codes) live in `ehr_primitives::consortium`.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

pub use ehr_primitives::consortium::{
	admission_error, hospital_name_key, is_endpoint_url, is_hospital_name_char, EndpointUrl, Endpoints, HospitalName,
	HospitalProfile, PeerIdText, PeerIds, RateLimit, RateLimits, MAX_ENDPOINTS, MAX_ENDPOINT_LEN,
	MAX_HOSPITAL_NAME_LEN, MAX_PEER_IDS, MAX_PEER_ID_LEN, MILLISECOND_REF_TIME,
};

/// The kinds of registered accounts. Each kind may make only the calls it
/// has a use for ([`CallPolicy`]); hospitals and their node accounts share
/// the hospital rate limit, people have theirs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AccountClass {
	/// A member hospital's own account.
	Hospital,
	/// One of a member hospital's node accounts (its proxy's signer).
	HospitalNode,
	/// A registered patient or provider.
	Person,
}

impl AccountClass {
	/// The rate limit of this kind of account among `limits`.
	pub fn limit(self, limits: &RateLimits) -> RateLimit {
		match self {
			AccountClass::Hospital | AccountClass::HospitalNode => limits.hospital,
			AccountClass::Person => limits.person,
		}
	}
}

/// Which calls each kind of registered account may submit. Checked in the
/// transaction pool and again in the block (the `CheckRegistered`
/// extension), so a call nobody of that kind has a use for (a patient's
/// multi-megabyte `system.remark`) never takes block space, not even to
/// fail. The runtime implements it; `()` admits every call.
pub trait CallPolicy<AccountId, Call> {
	/// Whether `who`, an account of kind `class`, may submit `call`.
	fn admits(class: AccountClass, who: &AccountId, call: &Call) -> bool;

	/// The most [`Self::admits`] costs for `call` beyond the registry lookup
	/// (a storage read, a signature check); charged with the extension.
	fn weight(_call: &Call) -> frame_support::weights::Weight {
		frame_support::weights::Weight::zero()
	}
}

impl<AccountId, Call> CallPolicy<AccountId, Call> for () {
	fn admits(_class: AccountClass, _who: &AccountId, _call: &Call) -> bool {
		true
	}
}

/// How a registered account is admitted: its rate-limit class and the
/// account whose window its transactions count against.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Admission<AccountId> {
	/// The rate-limit class.
	pub class: AccountClass,
	/// The account whose window counts the transaction: the account itself,
	/// or for a hospital's node account the hospital, so that a hospital and
	/// all its node accounts share one limit.
	pub counted_as: AccountId,
}

/// Answers "may this account transact, and under which limit?"; the runtime
/// implements it from membership and pallet-ehr's registries.
pub trait AccountRegistry<AccountId> {
	/// How a registered account is admitted; `None` if it is not registered.
	fn admission_of(who: &AccountId) -> Option<Admission<AccountId>>;
}

/// How many transactions a call counts as toward its signer's rate limit:
/// 1 for most calls; a call that does the work of many (a batch of
/// records) counts as that many, so batching does not multiply what one
/// account may put into blocks. The runtime implements it; `()` counts
/// every call as one.
pub trait AdmissionCost<Call> {
	/// The transactions `call` counts as (at least 1).
	fn admission_cost(call: &Call) -> u32;
}

impl<Call> AdmissionCost<Call> for () {
	fn admission_cost(_call: &Call) -> u32 {
		1
	}
}

/// An account's use of its rate limit in the current window.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct TxWindow<BlockNumber> {
	/// The block at which the window began.
	pub start: BlockNumber,
	/// Units ([`RateLimit`]) admitted in the window so far.
	pub count: u32,
}
