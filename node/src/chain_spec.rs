//! Built-in chain specifications: `dev` and `local`, from the runtime's presets.

use ehr_runtime::{genesis_config_presets, WASM_BINARY};
use sc_service::ChainType;

/// ehr-chain's chain specification.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "this ehr-node was built without its runtime wasm; rebuild it with scripts/start".into())
}

fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	// No token exists; polkadot-js shows a zero-decimal placeholder unit.
	properties.insert("tokenSymbol".into(), "EHR".into());
	properties.insert("tokenDecimals".into(), 0.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// One development node: Alice is the only hospital and holds sudo.
pub fn development() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("ehr-chain development")
		.with_id("ehr_dev")
		.with_chain_type(ChainType::Development)
		.with_properties(properties())
		.with_genesis_config_preset_name(genesis_config_presets::DEVELOPMENT_PRESET)
		.build())
}

/// Four hospitals (Alice, Bob, Charlie, Dave) on one machine, without sudo.
pub fn local() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("ehr-chain local consortium")
		.with_id("ehr_local")
		.with_chain_type(ChainType::Local)
		.with_properties(properties())
		.with_genesis_config_preset_name(genesis_config_presets::LOCAL_PRESET)
		.build())
}

/// Loads a chain spec from a JSON file, with a sentence that says what is wrong.
pub fn from_file(path: &str) -> Result<ChainSpec, String> {
	let file = std::path::PathBuf::from(path);
	if !file.exists() {
		return Err(format!("unknown chain `{path}`: use `dev`, `local` or the path of a chain spec JSON file"));
	}
	ChainSpec::from_json_file(file).map_err(|e| format!("chain spec `{path}` is not a valid ehr-chain spec: {e}"))
}
