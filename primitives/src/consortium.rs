//! The consortium's public, non-patient state: hospital profiles (name and
//! libp2p peer ids) and the transaction rate limits.
//!
//! Hospital names are public on purpose; nothing here is about a patient.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::ConstU32;
use sp_runtime::BoundedVec;

/// Longest hospital name, in bytes of UTF-8.
pub const MAX_HOSPITAL_NAME_LEN: u32 = 64;
/// Most libp2p peer ids (nodes) one hospital may register.
pub const MAX_PEER_IDS: u32 = 4;
/// Longest peer id in its base58 text form (`12D3KooW…` is 52 characters).
pub const MAX_PEER_ID_LEN: u32 = 64;

/// A hospital's public name.
pub type HospitalName = BoundedVec<u8, ConstU32<MAX_HOSPITAL_NAME_LEN>>;
/// A libp2p peer id in its base58 text form, as `ehr-node key inspect-node-key` prints it.
pub type PeerIdText = BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>>;
/// The peer ids of one hospital's nodes.
pub type PeerIds = BoundedVec<PeerIdText, ConstU32<MAX_PEER_IDS>>;

/// What the consortium publishes about a member hospital.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct HospitalProfile {
	/// The hospital's public name (UTF-8).
	pub name: HospitalName,
	/// The libp2p peer ids of the hospital's nodes: only these may connect.
	pub peer_ids: PeerIds,
}

/// At most `transactions` signed transactions per account in each window of
/// `blocks` blocks.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct RateLimit {
	/// Transactions admitted per window.
	pub transactions: u32,
	/// Length of a window, in blocks (at least 1).
	pub blocks: u32,
}

/// The rate limits of the two classes of registered accounts.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	Debug,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct RateLimits {
	/// Patients and providers (people).
	pub person: RateLimit,
	/// Member hospitals and their node accounts, which submit on behalf of
	/// many people (records, re-encryptions).
	pub hospital: RateLimit,
}

impl Default for RateLimits {
	/// 20 transactions per minute for a person, 2000 per minute for a hospital
	/// (with 3-second blocks).
	fn default() -> Self {
		RateLimits {
			person: RateLimit { transactions: 20, blocks: 20 },
			hospital: RateLimit { transactions: 2000, blocks: 20 },
		}
	}
}

/// Why the chain refused a signed transaction at admission
/// (`InvalidTransaction::Custom` codes of the `CheckRegistered` extension).
pub mod admission_error {
	/// The signer is not a registered account (member hospital, hospital node
	/// account, patient or provider).
	pub const UNREGISTERED: u8 = 201;
	/// The signer used up its rate limit for the current window.
	pub const RATE_LIMITED: u8 = 202;
	/// The signer already has as many transactions waiting (nonces ahead of
	/// its account nonce) as its window has room for.
	pub const POOL_ALLOWANCE_EXCEEDED: u8 = 203;

	/// A sentence for a code, for people.
	pub fn describe(code: u8) -> Option<&'static str> {
		match code {
			UNREGISTERED => {
				Some("the signing account is not registered on ehr-chain; ask a member hospital to register it")
			},
			RATE_LIMITED => Some("the signing account reached its transaction rate limit; wait for the next window"),
			POOL_ALLOWANCE_EXCEEDED => Some(
				"the signing account already has as many transactions waiting as its rate limit admits; wait until they are in a block",
			),
			_ => None,
		}
	}
}
