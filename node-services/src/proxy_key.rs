//! The hospital proxy's Umbral key pair, kept in the node's base path with
//! mode 0600. Patients encrypt kfrags to its public key; the proxy worker
//! decrypts them with the secret key, which never leaves this file.

use rand_core::{OsRng, RngCore};
use std::{
	fs,
	os::unix::fs::PermissionsExt,
	path::{Path, PathBuf},
};
use umbral_pre::{PublicKey, SecretKey, SecretKeyFactory};

/// The label under which the proxy key is derived from the file's seed.
const KEY_LABEL: &[u8] = b"ehr-chain proxy key";

/// The key file's name inside the chain's `ehr` folder.
pub const PROXY_KEY_FILE: &str = "proxy-umbral.key";

/// The folder of the node's EHR services for one chain: blob store and proxy key.
pub fn ehr_dir(chain_config_dir: &Path) -> PathBuf {
	chain_config_dir.join("ehr")
}

/// Creates a new proxy key pair at `path` (mode 0600) and returns its
/// public key. Refuses to overwrite an existing key.
pub fn generate(path: &Path) -> Result<PublicKey, String> {
	if path.exists() {
		return Err(format!(
			"a proxy key already exists at {}; ehr-node never overwrites it (patients' kfrags are encrypted to it)",
			path.display()
		));
	}
	if let Some(parent) = path.parent() {
		fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
	}
	let mut seed = vec![0u8; SecretKeyFactory::seed_size()];
	OsRng.fill_bytes(&mut seed);
	let secret = key_from_seed(&seed).ok_or("the operating system's random source failed")?;
	// Written whole or not at all, mode 0600, never over an existing key.
	crate::files::create_new(path, format!("{}\n", hex::encode(&seed)).as_bytes())
		.map_err(|e| format!("cannot create {}: {e}", path.display()))?;
	Ok(secret.public_key())
}

/// Loads the proxy secret key from `path`; refuses a key file that others
/// can read.
pub fn load(path: &Path) -> Result<SecretKey, String> {
	let metadata = fs::metadata(path).map_err(|e| {
		format!("no proxy key at {} ({e}): create one with `ehr-node generate-proxy-key`", path.display())
	})?;
	if metadata.permissions().mode() & 0o077 != 0 {
		return Err(format!("the proxy key {} is readable by others: chmod 600 it", path.display()));
	}
	let text = fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
	let seed = hex::decode(text.trim()).map_err(|_| format!("{} is not a proxy key file", path.display()))?;
	key_from_seed(&seed).ok_or_else(|| format!("{} is not a proxy key file", path.display()))
}

/// The proxy key derived from a key file's secret seed (umbral-pre's key
/// factory: the file holds the seed, never the scalar itself).
fn key_from_seed(seed: &[u8]) -> Option<SecretKey> {
	SecretKeyFactory::from_secure_randomness(seed).ok().map(|factory| factory.make_key(KEY_LABEL))
}

/// The canonical encoding of a public key, hex with `0x`, as `register_proxy` takes it.
pub fn public_key_hex(public: &PublicKey) -> String {
	let bytes = ehr_primitives::umbral_codec::encode(public).unwrap_or_default();
	format!("0x{}", hex::encode(bytes))
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn generated_key_loads_back_and_is_never_overwritten() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("ehr").join(PROXY_KEY_FILE);
		let public = generate(&path).unwrap();
		assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
		assert_eq!(load(&path).unwrap().public_key(), public);
		assert!(generate(&path).unwrap_err().contains("never overwrites"));
		fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
		assert!(load(&path).err().unwrap_or_default().contains("readable by others"));
	}
}
