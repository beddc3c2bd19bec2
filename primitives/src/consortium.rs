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

/// Whether `c` may appear in a hospital's name: not a control character
/// and not an invisible formatting one (bidirectional overrides and
/// isolates, zero-width characters, the byte-order mark), which would let a
/// name look like another one or like words around it.
pub fn is_hospital_name_char(c: char) -> bool {
	!c.is_control()
		&& !matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

/// The form in which two hospital names count as the same: lower case,
/// without any white space ("St. Mary's" and "st.mary 's" are one name).
/// The chain keeps member names distinct in this form, and clients resolve
/// a name to a hospital only by it.
pub fn hospital_name_key(name: &str) -> alloc::string::String {
	name.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// What one account (or one hospital with its node accounts) may put into
/// blocks in each window of `blocks` blocks, counted in units: a
/// transaction costs as many units as the largest of
/// - what its call counts as (one, or one per record of a batch),
/// - its encoded length in `unit_length` bytes, rounded up,
/// - its weight in `unit_ref_time` picoseconds of compute, rounded up;
///
/// and no transaction may be longer than `max_length` bytes. So a window
/// bounds transactions, bytes and compute at once: at most `units` of each
/// (docs/admission.md).
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
	/// Units admitted per window.
	pub units: u32,
	/// Length of a window, in blocks (at least 1).
	pub blocks: u32,
	/// The longest transaction admitted, in bytes of its encoding.
	pub max_length: u32,
	/// Bytes of a transaction's encoding that one unit pays for.
	pub unit_length: u32,
	/// Compute (`ref_time`, picoseconds) that one unit pays for.
	pub unit_ref_time: u64,
}

impl RateLimit {
	/// The units a transaction of `len` encoded bytes and `ref_time`
	/// picoseconds of weight costs when its call counts as `call_cost`
	/// (at least one); `None` if it is longer than `max_length`.
	pub fn cost(&self, call_cost: u32, len: usize, ref_time: u64) -> Option<u32> {
		let len = u32::try_from(len).ok().filter(|len| *len <= self.max_length)?;
		let by_length = len.div_ceil(self.unit_length.max(1));
		let by_weight = u32::try_from(ref_time.div_ceil(self.unit_ref_time.max(1))).unwrap_or(u32::MAX);
		Some(call_cost.max(1).max(by_length).max(by_weight))
	}

	/// The most bytes this limit lets one account put into blocks in one
	/// window.
	pub fn bytes_per_window(&self) -> u64 {
		u64::from(self.units).saturating_mul(u64::from(self.unit_length))
	}

	/// The most compute (`ref_time`, picoseconds) this limit lets one
	/// account use in one window.
	pub fn ref_time_per_window(&self) -> u64 {
		u64::from(self.units).saturating_mul(self.unit_ref_time)
	}
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

/// One millisecond of compute, in weight's `ref_time` (picoseconds).
pub const MILLISECOND_REF_TIME: u64 = 1_000_000_000;

impl Default for RateLimits {
	/// With 3-second blocks, per minute (20 blocks):
	/// - a person: 20 units; transactions up to 40 KiB (a full
	///   `rekey_records`), a unit per 4 KiB and per 2 ms. At most 80 KiB
	///   and 40 ms a minute: 2% of one block's length.
	/// - a hospital with its node accounts: 2000 units; transactions up to
	///   192 KiB (a full `create_records` batch), a unit per 4 KiB and per
	///   2 ms. At most 8 MiB and 4 s of compute a minute: a ninth of the
	///   chain's length and a sixth of its compute. A 500-resource import
	///   takes 500 units.
	fn default() -> Self {
		RateLimits {
			person: RateLimit {
				units: 20,
				blocks: 20,
				max_length: 40 * 1024,
				unit_length: 4 * 1024,
				unit_ref_time: 2 * MILLISECOND_REF_TIME,
			},
			hospital: RateLimit {
				units: 2000,
				blocks: 20,
				max_length: 192 * 1024,
				unit_length: 4 * 1024,
				unit_ref_time: 2 * MILLISECOND_REF_TIME,
			},
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
	/// The signer's kind of account has no use for this call (a patient's
	/// `system.remark`, a node account's grant), so no block takes it.
	pub const CALL_NOT_ADMITTED: u8 = 204;
	/// The transaction is longer than the signer's class admits, or costs
	/// more units than a whole window holds.
	pub const TOO_LARGE: u8 = 205;

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
			CALL_NOT_ADMITTED => Some(
				"the signing account's kind (patient, provider, hospital or hospital node) may not make this call; sign it with the account whose role it is",
			),
			TOO_LARGE => Some(
				"the transaction is larger than the signing account's rate limit admits; split it (fewer records in a batch)",
			),
			_ => None,
		}
	}
}

#[cfg(test)]
mod tests {
	use super::{hospital_name_key, is_endpoint_url, is_hospital_name_char, RateLimit, RateLimits};

	#[test]
	fn a_transaction_costs_the_largest_of_its_count_length_and_compute() {
		let limit = RateLimit { units: 20, blocks: 20, max_length: 8192, unit_length: 1000, unit_ref_time: 100 };
		assert_eq!(limit.cost(0, 0, 0), Some(1), "everything costs at least one unit");
		assert_eq!(limit.cost(1, 1000, 100), Some(1));
		assert_eq!(limit.cost(1, 1001, 100), Some(2), "length rounds up");
		assert_eq!(limit.cost(1, 10, 301), Some(4), "compute rounds up");
		assert_eq!(limit.cost(7, 2500, 250), Some(7), "the call's own count");
		assert_eq!(limit.cost(1, 8192, 0), Some(9), "the longest admitted");
		assert_eq!(limit.cost(1, 8193, 0), None, "one byte longer is refused");
		assert_eq!(limit.cost(1, 10, u64::MAX), Some(u32::MAX), "no overflow");
		let zero = RateLimit { unit_length: 0, unit_ref_time: 0, ..limit };
		assert_eq!(zero.cost(1, 5, 5), Some(5), "a zero price counts as one");
		assert_eq!(limit.bytes_per_window(), 20_000);
		assert_eq!(limit.ref_time_per_window(), 2_000);
	}

	#[test]
	fn the_defaults_bound_a_person_to_a_small_fraction_of_a_block() {
		let defaults = RateLimits::default();
		assert_eq!(defaults.person.bytes_per_window(), 80 * 1024);
		assert!(defaults.person.max_length >= 35_000, "a full rekey_records fits");
		assert!(defaults.hospital.max_length >= 64 * 2_300, "a full create_records batch fits");
	}

	#[test]
	fn hospital_names_compare_without_case_or_white_space() {
		assert_eq!(hospital_name_key("Hospital A"), hospital_name_key(" hospital\ta "));
		assert_ne!(hospital_name_key("Hospital A"), hospital_name_key("Hospital B"));
		assert_eq!(hospital_name_key("ÉCOLE"), "école");
		for hidden in ['\u{202E}', '\u{200B}', '\u{2066}', '\u{FEFF}', '\u{7}', '\n'] {
			assert!(!is_hospital_name_char(hidden), "{hidden:?} admitted");
		}
		assert!("St. Mary's – Nord".chars().all(is_hospital_name_char));
	}

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
