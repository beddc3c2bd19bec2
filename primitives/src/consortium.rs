//! The consortium's public, non-patient state: hospital profiles (name,
//! libp2p peer ids and public RPC endpoints) and the transaction rate limits.
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

/// Most public RPC endpoints one hospital may publish.
pub const MAX_ENDPOINTS: u32 = 4;
/// Longest public RPC endpoint URL, in bytes.
pub const MAX_ENDPOINT_LEN: u32 = 128;

/// A hospital's public name.
pub type HospitalName = BoundedVec<u8, ConstU32<MAX_HOSPITAL_NAME_LEN>>;
/// A libp2p peer id in its base58 text form, as `ehr-node key inspect-node-key` prints it.
pub type PeerIdText = BoundedVec<u8, ConstU32<MAX_PEER_ID_LEN>>;
/// The peer ids of one hospital's nodes.
pub type PeerIds = BoundedVec<PeerIdText, ConstU32<MAX_PEER_IDS>>;

/// A public JSON-RPC endpoint of a hospital's node, as a `ws://` or `wss://`
/// URL (see [`is_endpoint_url`]).
pub type EndpointUrl = BoundedVec<u8, ConstU32<MAX_ENDPOINT_LEN>>;
/// The public JSON-RPC endpoints of one hospital's nodes, in the order
/// clients should try them: where clients read the bodies of the records the
/// hospital holds (`ehr_getBlob`). Published apart from [`HospitalProfile`]
/// (`ConsortiumApi::endpoints`), so the profile's encoding, which every
/// node's peering reads, did not change when endpoints were added.
pub type Endpoints = BoundedVec<EndpointUrl, ConstU32<MAX_ENDPOINTS>>;

/// What the consortium publishes about a member hospital.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct HospitalProfile {
	/// The hospital's public name (UTF-8).
	pub name: HospitalName,
	/// The libp2p peer ids of the hospital's nodes: only these may connect.
	pub peer_ids: PeerIds,
}

/// Whether `url` is a WebSocket URL a client can connect to and nothing
/// else: `ws://` or `wss://`, then a host (a DNS name or IPv4 address of
/// letters, digits, `-` and `.`, or an IPv6 address in brackets), an optional
/// `:port` (1 to 65535) and an optional path of unreserved URL characters.
/// User info, queries, fragments, spaces and non-ASCII are refused, so an
/// endpoint can neither carry a credential nor smuggle text onto the chain.
pub fn is_endpoint_url(url: &[u8]) -> bool {
	let rest = match url {
		[b'w', b's', b':', b'/', b'/', rest @ ..] => rest,
		[b'w', b's', b's', b':', b'/', b'/', rest @ ..] => rest,
		_ => return false,
	};
	let (authority, path) = match rest.iter().position(|&b| b == b'/') {
		Some(at) => rest.split_at(at),
		None => (rest, &[][..]),
	};
	let path_ok = path.iter().all(|&b| b.is_ascii_alphanumeric() || b"/-._~".contains(&b));
	let (host, port) = if let [b'[', inner @ ..] = authority {
		let Some(end) = inner.iter().position(|&b| b == b']') else { return false };
		let (address, after) = inner.split_at(end);
		let ipv6_ok = !address.is_empty() && address.iter().all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
		if !ipv6_ok {
			return false;
		}
		(&b"ipv6"[..], &after[1..])
	} else {
		match authority.iter().position(|&b| b == b':') {
			Some(at) => (&authority[..at], &authority[at..]),
			None => (authority, &[][..]),
		}
	};
	let host_ok = !host.is_empty()
		&& host.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
		&& !host.starts_with(b".")
		&& !host.starts_with(b"-");
	let port_ok = match port {
		[] => true,
		[b':', digits @ ..] if (1..=5).contains(&digits.len()) && digits.iter().all(u8::is_ascii_digit) => {
			let port = digits.iter().fold(0u32, |n, &d| n.saturating_mul(10).saturating_add(u32::from(d - b'0')));
			(1..=65_535).contains(&port)
		},
		_ => false,
	};
	host_ok && port_ok && path_ok
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

#[cfg(test)]
mod tests {
	use super::is_endpoint_url;

	#[test]
	fn endpoint_urls_are_websocket_urls_and_nothing_else() {
		for good in [
			"ws://127.0.0.1:9944",
			"wss://rpc.hospital-a.example",
			"wss://rpc.hospital-a.example:443/ehr",
			"ws://[::1]:9944",
			"ws://node-1",
		] {
			assert!(is_endpoint_url(good.as_bytes()), "{good} refused");
		}
		for bad in [
			"",
			"http://127.0.0.1:9944",
			"ws://",
			"ws://:9944",
			"ws://user:secret@host",
			"ws://host:0",
			"ws://host:65536",
			"ws://host:99999999999",
			"ws://host:",
			"ws://host/?q=1",
			"ws://host/#f",
			"ws://ho st",
			"ws://h\u{f6}st",
			"ws://[zz]:1",
			"ws://[::1",
			"ws://.host",
			"wss://host/path with space",
		] {
			assert!(!is_endpoint_url(bad.as_bytes()), "{bad} accepted");
		}
	}
}
