//! Types of the consortium pallet. The shapes other crates read (profiles,
//! rate limits, admission error codes) live in `ehr_primitives::consortium`.

use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;

pub use ehr_primitives::consortium::{
	admission_error, is_endpoint_url, EndpointUrl, Endpoints, HospitalName, HospitalProfile, PeerIdText, PeerIds,
	RateLimit, RateLimits, MAX_ENDPOINTS, MAX_ENDPOINT_LEN, MAX_HOSPITAL_NAME_LEN, MAX_PEER_IDS, MAX_PEER_ID_LEN,
};

/// The two rate-limit classes of registered accounts.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AccountClass {
	/// A member hospital or one of its node accounts.
	Hospital,
	/// A registered patient or provider.
	Person,
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
	/// Transactions admitted in the window so far.
	pub count: u32,
}
