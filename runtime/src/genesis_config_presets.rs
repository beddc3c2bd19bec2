//! Genesis presets: `development` (one hospital node, with sudo) and
//! `local` (four hospitals on one machine, no sudo), both using the
//! well-known development keys.

use crate::{AccountId, RuntimeGenesisConfig, SessionKeys, SudoConfig};
use alloc::{string::String, vec, vec::Vec};
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_genesis_builder::PresetId;
use sp_keyring::{Ed25519Keyring, Sr25519Keyring};

/// The one-node development preset.
pub const DEVELOPMENT_PRESET: &str = "development";
/// The four-hospital local preset.
pub const LOCAL_PRESET: &str = "local";

/// Blocks per session in the presets: 10 blocks (30 s), so that validator
/// changes show within a minute on a test network. A production consortium
/// sets a longer one in its chain spec.
pub const PRESET_SESSION_LENGTH: u32 = 10;

/// A founding hospital: its controller account, validator session keys,
/// public name, the peer ids of its nodes and their public RPC endpoints.
pub struct FoundingHospital {
	/// The hospital's controller account (its member account).
	pub account: AccountId,
	/// Aura (block production) key.
	pub aura: AuraId,
	/// GRANDPA (finality) key.
	pub grandpa: GrandpaId,
	/// Public name.
	pub name: String,
	/// libp2p peer ids of its nodes, in base58.
	pub peer_ids: Vec<String>,
	/// Public JSON-RPC endpoints of its nodes (`ws://` or `wss://` URLs).
	pub endpoints: Vec<String>,
}

/// A genesis where `hospitals` are the consortium members and validators,
/// and `sudo` holds the root key if given.
pub fn consortium_genesis(hospitals: Vec<FoundingHospital>, sudo: Option<AccountId>) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		hospital_membership: pallet_membership::GenesisConfig {
			members: hospitals.iter().map(|h| h.account.clone()).collect::<Vec<_>>().try_into().unwrap_or_default(),
		},
		session: pallet_session::GenesisConfig {
			keys: hospitals
				.iter()
				.map(|h| {
					(
						h.account.clone(),
						h.account.clone(),
						SessionKeys { aura: h.aura.clone(), grandpa: h.grandpa.clone() },
					)
				})
				.collect::<Vec<_>>(),
		},
		consortium: pallet_consortium::GenesisConfig {
			profiles: hospitals
				.iter()
				.map(|h| (h.account.clone(), h.name.clone(), h.peer_ids.clone()))
				.collect::<Vec<_>>(),
			endpoints: hospitals
				.iter()
				.filter(|h| !h.endpoints.is_empty())
				.map(|h| (h.account.clone(), h.endpoints.clone()))
				.collect::<Vec<_>>(),
			session_length: Some(PRESET_SESSION_LENGTH),
		},
		sudo: SudoConfig { key: sudo },
	})
}

/// A development hospital with the well-known keys of `sr`/`ed`, named
/// `name`, whose node uses the peer id `peer_id` (if any) and answers
/// JSON-RPC on 127.0.0.1 at `rpc_port`, as scripts/start runs it.
fn hospital(
	sr: Sr25519Keyring,
	ed: Ed25519Keyring,
	name: &str,
	peer_id: Option<&str>,
	rpc_port: u16,
) -> FoundingHospital {
	FoundingHospital {
		account: sr.to_account_id(),
		aura: sr.public().into(),
		grandpa: ed.public().into(),
		name: name.into(),
		peer_ids: peer_id.map(String::from).into_iter().collect(),
		endpoints: vec![alloc::format!("ws://127.0.0.1:{rpc_port}")],
	}
}

/// The peer ids of node keys `00…01` to `00…04`, which scripts/start and the
/// integration tests give the local network's nodes.
pub const LOCAL_PEER_IDS: [&str; 4] = [
	"12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp",
	"12D3KooWHdiAxVd8uMQR1hGWXccidmfCwLqcMpGwR6QcTP6QRMuD",
	"12D3KooWSCufgHzV4fCwRijfH2k3abrpAJxTKxEvN1FDuRXA2U9x",
	"12D3KooWSsChzF81YDUKpe9Uk5AHV5oqAaXAcWNSPYgoLauUk4st",
];

/// One hospital (Alice) validating alone, with Alice as sudo. It registers
/// no peer id, so its node does not restrict peers.
pub fn development_genesis() -> Value {
	consortium_genesis(
		vec![hospital(Sr25519Keyring::Alice, Ed25519Keyring::Alice, "Development Hospital", None, 9944)],
		Some(Sr25519Keyring::Alice.to_account_id()),
	)
}

/// Four hospitals (Alice, Bob, Charlie, Dave) validating, no sudo; only
/// their four nodes may connect.
pub fn local_genesis() -> Value {
	consortium_genesis(
		vec![
			hospital(Sr25519Keyring::Alice, Ed25519Keyring::Alice, "Hospital A (Alice)", Some(LOCAL_PEER_IDS[0]), 9944),
			hospital(Sr25519Keyring::Bob, Ed25519Keyring::Bob, "Hospital B (Bob)", Some(LOCAL_PEER_IDS[1]), 9945),
			hospital(
				Sr25519Keyring::Charlie,
				Ed25519Keyring::Charlie,
				"Hospital C (Charlie)",
				Some(LOCAL_PEER_IDS[2]),
				9946,
			),
			hospital(Sr25519Keyring::Dave, Ed25519Keyring::Dave, "Hospital D (Dave)", Some(LOCAL_PEER_IDS[3]), 9947),
		],
		None,
	)
}

/// The JSON patch of preset `id`, if there is one by that name.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		DEVELOPMENT_PRESET => development_genesis(),
		LOCAL_PRESET | sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_genesis(),
		_ => return None,
	};
	serde_json::to_string(&patch).ok().map(|json| json.into_bytes())
}

/// The presets this runtime offers.
pub fn preset_names() -> Vec<PresetId> {
	vec![PresetId::from(DEVELOPMENT_PRESET), PresetId::from(LOCAL_PRESET)]
}
