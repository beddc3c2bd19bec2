//! Genesis presets: `development` (one hospital node, with sudo) and
//! `local` (four hospitals on one machine, no sudo), both using the
//! well-known development keys.

use crate::{AccountId, RuntimeGenesisConfig, SudoConfig};
use alloc::{vec, vec::Vec};
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

/// A genesis where `hospitals` are the consortium members, each validating
/// with its `(aura, grandpa)` keys, and `sudo` holds the root key if given.
pub fn consortium_genesis(
	hospitals: Vec<(AccountId, AuraId, GrandpaId)>,
	sudo: Option<AccountId>,
) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		aura: pallet_aura::GenesisConfig { authorities: hospitals.iter().map(|h| h.1.clone()).collect::<Vec<_>>() },
		grandpa: pallet_grandpa::GenesisConfig {
			authorities: hospitals.iter().map(|h| (h.2.clone(), 1)).collect::<Vec<_>>(),
		},
		hospital_membership: pallet_membership::GenesisConfig {
			members: hospitals.iter().map(|h| h.0.clone()).collect::<Vec<_>>().try_into().unwrap_or_default(),
		},
		sudo: SudoConfig { key: sudo },
	})
}

fn hospital(sr: Sr25519Keyring, ed: Ed25519Keyring) -> (AccountId, AuraId, GrandpaId) {
	(sr.to_account_id(), sr.public().into(), ed.public().into())
}

/// One hospital (Alice) validating alone, with Alice as sudo.
pub fn development_genesis() -> Value {
	consortium_genesis(
		vec![hospital(Sr25519Keyring::Alice, Ed25519Keyring::Alice)],
		Some(Sr25519Keyring::Alice.to_account_id()),
	)
}

/// Four hospitals (Alice, Bob, Charlie, Dave) validating, no sudo.
pub fn local_genesis() -> Value {
	consortium_genesis(
		vec![
			hospital(Sr25519Keyring::Alice, Ed25519Keyring::Alice),
			hospital(Sr25519Keyring::Bob, Ed25519Keyring::Bob),
			hospital(Sr25519Keyring::Charlie, Ed25519Keyring::Charlie),
			hospital(Sr25519Keyring::Dave, Ed25519Keyring::Dave),
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
