//! The key file: one person's sr25519 account key and Umbral keys, encrypted
//! with a passphrase.
//!
//! The secrets are sealed with XChaCha20-Poly1305 under a key derived from the
//! passphrase by Argon2id (RustCrypto's `argon2` and `chacha20poly1305`); the
//! public parts are stored in the clear so `ehr keys show` and
//! `show` needs no passphrase. A new file is written with mode 0600 and never
//! overwrites one; `ehr keys rotate` replaces a file crash-safely (temporary
//! file, fsync, rename, folder fsync) and keeps every earlier Umbral seed in
//! it, so nothing made for earlier keys is lost.

use anyhow::{anyhow, bail, Context, Result};
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::{
	aead::{Aead, KeyInit},
	XChaCha20Poly1305, XNonce,
};
use ehr_primitives::umbral_codec;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use std::{
	fs::OpenOptions,
	io::Write,
	path::{Path, PathBuf},
};
use umbral_pre::{SecretKey, SecretKeyFactory, Signer};

/// The environment variable scripts use to give the passphrase.
pub const PASSPHRASE_ENV: &str = "EHR_PASSPHRASE";
/// The key file format this client writes.
const FORMAT: &str = "ehr-key-v1";

/// Argon2id parameters (the OWASP recommendation for Argon2id: 19 MiB, 2 passes).
const ARGON2_MEMORY_KIB: u32 = 19 * 1024;
const ARGON2_PASSES: u32 = 2;

/// What anyone may see of a key file.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PublicKeys {
	/// The sr25519 account (SS58).
	pub account: String,
	/// The canonical Umbral public key (hex): records and grants are encrypted to it.
	pub public_key: String,
	/// The canonical Umbral verifying key (hex): proxies check kfrags against it.
	pub verifying_key: String,
}

/// The key file on disk.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyFileJson {
	format: String,
	#[serde(flatten)]
	public: PublicKeys,
	kdf: KdfJson,
	nonce: String,
	ciphertext: String,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct KdfJson {
	algorithm: String,
	memory_kib: u32,
	passes: u32,
	lanes: u32,
	salt: String,
}

/// The sealed secrets, in hex: the sr25519 secret key (64 bytes) and the
/// seed of the Umbral keys.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Secrets {
	account_secret: String,
	umbral_seed: String,
	/// Umbral seeds of keys replaced by `ehr keys rotate`, oldest first.
	#[serde(default, skip_serializing_if = "Vec::is_empty")]
	previous_umbral_seeds: Vec<String>,
}

/// Labels under which the Umbral keys are derived from the Umbral seed.
const UMBRAL_KEY_LABEL: &[u8] = b"ehr-client:umbral-decryption";
const SIGNING_KEY_LABEL: &[u8] = b"ehr-client:umbral-signing";

/// An unlocked key file.
pub struct Keys {
	umbral_seed: Vec<u8>,
	/// Umbral seeds of earlier keys (after a rotation), oldest first.
	previous_umbral_seeds: Vec<Vec<u8>>,
	/// The account key pair.
	pub account: sr25519::Pair,
	/// The Umbral decryption key.
	pub umbral: SecretKey,
	/// The secret of the Umbral signer of kfrags.
	pub signing: SecretKey,
}

impl Keys {
	/// The Umbral decryption key derived from `seed`.
	fn umbral_key(seed: &[u8]) -> Result<SecretKey> {
		SecretKeyFactory::from_secure_randomness(seed)
			.map(|factory| factory.make_key(UMBRAL_KEY_LABEL))
			.map_err(|_| anyhow!("an Umbral seed has the wrong length; the key file is damaged"))
	}

	/// Keys made from an account key pair and an Umbral seed.
	fn from_parts(account: sr25519::Pair, umbral_seed: Vec<u8>) -> Result<Keys> {
		let factory = SecretKeyFactory::from_secure_randomness(&umbral_seed)
			.map_err(|_| anyhow!("the Umbral seed has the wrong length; the key file is damaged"))?;
		Ok(Keys {
			account,
			umbral: factory.make_key(UMBRAL_KEY_LABEL),
			signing: factory.make_key(SIGNING_KEY_LABEL),
			umbral_seed,
			previous_umbral_seeds: Vec::new(),
		})
	}

	/// The same account with fresh Umbral keys; the current Umbral seed is
	/// kept among the previous ones.
	pub fn rotated(&self) -> Result<Keys> {
		let mut umbral_seed = vec![0u8; SecretKeyFactory::seed_size()];
		OsRng.fill_bytes(&mut umbral_seed);
		let mut keys = Keys::from_parts(self.account.clone(), umbral_seed)?;
		keys.previous_umbral_seeds = self.previous_umbral_seeds.clone();
		keys.previous_umbral_seeds.push(self.umbral_seed.clone());
		Ok(keys)
	}

	/// The Umbral decryption keys the file holds: the current one first,
	/// then earlier ones, newest first.
	pub fn umbral_secrets(&self) -> Result<Vec<SecretKey>> {
		let mut secrets = vec![self.umbral.clone()];
		for seed in self.previous_umbral_seeds.iter().rev() {
			secrets.push(Keys::umbral_key(seed)?);
		}
		Ok(secrets)
	}

	/// How many earlier Umbral keys the file keeps.
	pub fn previous_key_count(&self) -> usize {
		self.previous_umbral_seeds.len()
	}

	/// The person's proof, signed with the account key, that the Umbral keys
	/// are theirs on the chain with `genesis_hash`: what a hospital passes
	/// to `register_patient` (with the verifying key) or `register_provider`
	/// (without).
	pub fn ownership_proof(&self, genesis_hash: sp_core::H256, as_patient: bool) -> Result<sr25519::Signature> {
		let public_key = umbral_codec::encode(&self.umbral.public_key())
			.map_err(|_| anyhow!("cannot encode the Umbral public key"))?;
		let verifying_key = match as_patient {
			true => Some(
				umbral_codec::encode(&self.signing.public_key())
					.map_err(|_| anyhow!("cannot encode the verifying key"))?,
			),
			false => None,
		};
		let statement =
			ehr_primitives::KeyOwnership { genesis_hash, account: self.account_id(), public_key, verifying_key };
		Ok(self.account.sign(&statement.signing_payload()))
	}

	/// Fresh Umbral keys, with a fresh account or the one of `account_uri`
	/// (a mnemonic, hex seed or secret URI such as a hospital's existing
	/// account).
	pub fn generate(account_uri: Option<&str>) -> Result<Keys> {
		let account = match account_uri {
			Some(uri) => sr25519::Pair::from_string(uri, None)
				.map_err(|e| anyhow!("the account URI is not a mnemonic, seed or secret URI ({e:?}); check it"))?,
			None => {
				let mut seed = [0u8; 32];
				OsRng.fill_bytes(&mut seed);
				sr25519::Pair::from_seed(&seed)
			},
		};
		let mut umbral_seed = vec![0u8; SecretKeyFactory::seed_size()];
		OsRng.fill_bytes(&mut umbral_seed);
		Keys::from_parts(account, umbral_seed)
	}

	/// Fresh Umbral keys and a fresh account made from a new 12-word BIP39
	/// mnemonic, derived as polkadot-js and its extension derive an sr25519
	/// account from one; the mnemonic is returned to be shown once.
	pub fn generate_with_mnemonic() -> Result<(Keys, String)> {
		let (account, mnemonic, _) = sr25519::Pair::generate_with_phrase(None);
		let mut umbral_seed = vec![0u8; SecretKeyFactory::seed_size()];
		OsRng.fill_bytes(&mut umbral_seed);
		Ok((Keys::from_parts(account, umbral_seed)?, mnemonic))
	}

	/// The Umbral signer of kfrags.
	pub fn signer(&self) -> Signer {
		Signer::new(self.signing.clone())
	}

	/// The account id.
	pub fn account_id(&self) -> sp_core::crypto::AccountId32 {
		self.account.public().into()
	}

	/// The public parts.
	pub fn public(&self) -> PublicKeys {
		PublicKeys {
			account: self.account_id().to_ss58check(),
			public_key: hex::encode(umbral_codec::encode(&self.umbral.public_key()).unwrap_or_default()),
			verifying_key: hex::encode(umbral_codec::encode(&self.signing.public_key()).unwrap_or_default()),
		}
	}
}

fn derive_key(passphrase: &str, salt: &[u8], kdf: &KdfJson) -> Result<[u8; 32]> {
	let params = Params::new(kdf.memory_kib, kdf.passes, kdf.lanes, Some(32))
		.map_err(|e| anyhow!("the key file's Argon2 parameters are invalid ({e}); the file is damaged"))?;
	let mut key = [0u8; 32];
	Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
		.hash_password_into(passphrase.as_bytes(), salt, &mut key)
		.map_err(|e| anyhow!("cannot derive the key file's key ({e})"))?;
	Ok(key)
}

/// `keys` sealed with `passphrase`, as the file's JSON.
fn seal(keys: &Keys, passphrase: &str) -> Result<Vec<u8>> {
	if passphrase.len() < 8 {
		bail!("the passphrase must have at least 8 characters; choose a longer one");
	}
	let mut salt = [0u8; 16];
	OsRng.fill_bytes(&mut salt);
	let kdf = KdfJson {
		algorithm: "argon2id".into(),
		memory_kib: ARGON2_MEMORY_KIB,
		passes: ARGON2_PASSES,
		lanes: 1,
		salt: hex::encode(salt),
	};
	let key = derive_key(passphrase, &salt, &kdf)?;
	let secrets = Secrets {
		account_secret: hex::encode(keys.account.to_raw_vec()),
		umbral_seed: hex::encode(&keys.umbral_seed),
		previous_umbral_seeds: keys.previous_umbral_seeds.iter().map(hex::encode).collect(),
	};
	let mut nonce = [0u8; 24];
	OsRng.fill_bytes(&mut nonce);
	let plaintext = serde_json::to_vec(&secrets)?;
	let ciphertext = XChaCha20Poly1305::new(&key.into())
		.encrypt(XNonce::from_slice(&nonce), plaintext.as_slice())
		.map_err(|_| anyhow!("cannot encrypt the key file"))?;
	let file = KeyFileJson {
		format: FORMAT.into(),
		public: keys.public(),
		kdf,
		nonce: hex::encode(nonce),
		ciphertext: hex::encode(ciphertext),
	};
	let mut json = serde_json::to_vec_pretty(&file)?;
	json.push(b'\n');
	Ok(json)
}

/// Opens `path` for writing with mode 0600, creating it; refuses an existing file.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
	let mut options = OpenOptions::new();
	options.write(true).create_new(true);
	#[cfg(unix)]
	std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
	options.open(path)
}

/// Writes `keys` to `path`, sealed with `passphrase`; refuses to overwrite.
pub fn write(path: &Path, keys: &Keys, passphrase: &str) -> Result<()> {
	let json = seal(keys, passphrase)?;
	if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
		std::fs::create_dir_all(dir).with_context(|| format!("cannot create the folder {}", dir.display()))?;
	}
	let mut out = create_private(path).map_err(|e| match e.kind() {
		std::io::ErrorKind::AlreadyExists => {
			anyhow!("{} already exists; give another --key file or move the old one away", path.display())
		},
		_ => anyhow!("cannot create the key file {}: {e}", path.display()),
	})?;
	out.write_all(&json)?;
	out.sync_all()?;
	Ok(())
}

/// Replaces the key file at `path` with `keys`, crash-safely: the new file
/// is written and synced beside the old one, renamed over it, and the
/// folder synced, so after a crash the path holds either file whole.
pub fn replace(path: &Path, keys: &Keys, passphrase: &str) -> Result<()> {
	let json = seal(keys, passphrase)?;
	let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
	let temporary = dir.join(format!(
		".{}.new",
		path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "key".into())
	));
	let _ = std::fs::remove_file(&temporary);
	let mut out = create_private(&temporary)
		.map_err(|e| anyhow!("cannot write {} beside the key file: {e}", temporary.display()))?;
	out.write_all(&json)?;
	out.sync_all()?;
	std::fs::rename(&temporary, path).with_context(|| format!("cannot replace {}", path.display()))?;
	std::fs::File::open(dir).and_then(|d| d.sync_all()).with_context(|| format!("cannot sync {}", dir.display()))?;
	Ok(())
}

/// The public parts of the key file at `path`, without the passphrase.
pub fn read_public(path: &Path) -> Result<PublicKeys> {
	Ok(read_json(path)?.public)
}

fn read_json(path: &Path) -> Result<KeyFileJson> {
	let text = std::fs::read_to_string(path).map_err(|e| match e.kind() {
		std::io::ErrorKind::NotFound => {
			anyhow!("there is no key file {}; create one with `ehr keys new` or give --key", path.display())
		},
		_ => anyhow!("cannot read the key file {}: {e}", path.display()),
	})?;
	let file: KeyFileJson = serde_json::from_str(&text)
		.map_err(|e| anyhow!("{} is not an ehr key file ({e}); check the --key path", path.display()))?;
	if file.format != FORMAT || file.kdf.algorithm != "argon2id" {
		bail!("{} is a key file of another format ({}); use the ehr client that made it", path.display(), file.format);
	}
	Ok(file)
}

/// Unlocks the key file at `path` with `passphrase`.
pub fn unlock(path: &Path, passphrase: &str) -> Result<Keys> {
	let file = read_json(path)?;
	let salt = hex::decode(&file.kdf.salt).context("the key file's salt is not hex; the file is damaged")?;
	let key = derive_key(passphrase, &salt, &file.kdf)?;
	let nonce = hex::decode(&file.nonce).context("the key file's nonce is not hex; the file is damaged")?;
	if nonce.len() != 24 {
		bail!("the key file's nonce is not 24 bytes; the file is damaged");
	}
	let ciphertext =
		hex::decode(&file.ciphertext).context("the key file's ciphertext is not hex; the file is damaged")?;
	let plaintext = XChaCha20Poly1305::new(&key.into())
		.decrypt(XNonce::from_slice(&nonce), ciphertext.as_slice())
		.map_err(|_| anyhow!("wrong passphrase for {} (or the file was altered); try again", path.display()))?;
	let secrets: Secrets = serde_json::from_slice(&plaintext).context("the key file's secrets are damaged")?;
	let umbral_seed =
		hex::decode(&secrets.umbral_seed).context("the key file's Umbral seed is not hex; the file is damaged")?;
	let account_secret = hex::decode(&secrets.account_secret)
		.context("the key file's account secret is not hex; the file is damaged")?;
	let account = sr25519::Pair::from_seed_slice(&account_secret)
		.map_err(|_| anyhow!("the key file's account secret is invalid; the file is damaged"))?;
	let mut keys = Keys::from_parts(account, umbral_seed)?;
	keys.previous_umbral_seeds = secrets
		.previous_umbral_seeds
		.iter()
		.map(hex::decode)
		.collect::<Result<_, _>>()
		.context("an earlier Umbral seed in the key file is not hex; the file is damaged")?;
	if keys.public() != file.public {
		bail!("the public keys in {} do not match its secrets; the file was altered", path.display());
	}
	Ok(keys)
}

/// The passphrase: from `EHR_PASSPHRASE` if set (scripts), else a prompt.
pub fn passphrase(prompt: &str, confirm: bool) -> Result<String> {
	if let Ok(passphrase) = std::env::var(PASSPHRASE_ENV) {
		return Ok(passphrase);
	}
	let first = rpassword::prompt_password(prompt)
		.map_err(|e| anyhow!("cannot read the passphrase ({e}); set {PASSPHRASE_ENV} when there is no terminal"))?;
	if confirm && rpassword::prompt_password("Repeat the passphrase: ")? != first {
		bail!("the passphrases differ; run the command again");
	}
	Ok(first)
}

/// The default key file: `$XDG_CONFIG_HOME/ehr/key.json` or `~/.config/ehr/key.json`.
pub fn default_path() -> PathBuf {
	std::env::var_os("XDG_CONFIG_HOME")
		.map(PathBuf::from)
		.or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))
		.unwrap_or_else(|| PathBuf::from("."))
		.join("ehr")
		.join("key.json")
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_key_file_round_trips_and_refuses_a_wrong_passphrase() {
		let dir = tempfile::tempdir().expect("a temporary folder");
		let path = dir.path().join("key.json");
		let keys = Keys::generate(None).expect("keys");
		write(&path, &keys, "correct horse battery").expect("writes");
		assert_eq!(read_public(&path).expect("public parts"), keys.public());
		let unlocked = unlock(&path, "correct horse battery").expect("unlocks");
		assert_eq!(unlocked.public(), keys.public());
		assert_eq!(unlocked.umbral.public_key(), keys.umbral.public_key());
		assert!(unlock(&path, "wrong passphrase").is_err());
		assert!(write(&path, &keys, "correct horse battery").is_err(), "never overwrites");
		assert!(write(&dir.path().join("short.json"), &keys, "short").is_err(), "short passphrases are refused");
		#[cfg(unix)]
		{
			use std::os::unix::fs::PermissionsExt;
			let mode = std::fs::metadata(&path).expect("metadata").permissions().mode();
			assert_eq!(mode & 0o777, 0o600);
		}
	}

	#[test]
	fn a_rotated_key_file_replaces_the_old_one_and_keeps_its_seed() {
		let dir = tempfile::tempdir().expect("a temporary folder");
		let path = dir.path().join("key.json");
		let keys = Keys::generate(None).expect("keys");
		write(&path, &keys, "correct horse").expect("written");
		let rotated = keys.rotated().expect("rotated");
		assert_eq!(rotated.public().account, keys.public().account);
		assert_ne!(rotated.public().public_key, keys.public().public_key);
		replace(&path, &rotated, "correct horse").expect("replaced");
		let opened = unlock(&path, "correct horse").expect("unlocks");
		assert_eq!(opened.public(), rotated.public());
		assert_eq!(opened.previous_key_count(), 1);
		assert_eq!(opened.previous_umbral_seeds[0], keys.umbral_seed);
		assert_eq!(std::fs::read_dir(dir.path()).expect("listed").count(), 1, "no temporary file is left");
	}

	#[test]
	fn an_ownership_proof_verifies_for_its_chain_only() {
		use sp_core::Pair as _;
		let keys = Keys::generate(None).expect("keys");
		let genesis = sp_core::H256::repeat_byte(1);
		let proof = keys.ownership_proof(genesis, true).expect("signed");
		let statement = |genesis_hash| ehr_primitives::KeyOwnership {
			genesis_hash,
			account: keys.account_id(),
			public_key: umbral_codec::encode(&keys.umbral.public_key()).expect("encodes"),
			verifying_key: Some(umbral_codec::encode(&keys.signing.public_key()).expect("encodes")),
		};
		let public = keys.account.public();
		assert!(sr25519::Pair::verify(&proof, statement(genesis).signing_payload(), &public));
		assert!(!sr25519::Pair::verify(&proof, statement(sp_core::H256::zero()).signing_payload(), &public));
	}

	#[test]
	fn an_existing_account_can_be_imported() {
		let (keys, mnemonic) = Keys::generate_with_mnemonic().expect("keys");
		assert_eq!(mnemonic.split(' ').count(), 12);
		let restored = Keys::generate(Some(&mnemonic)).expect("the mnemonic restores the account");
		assert_eq!(restored.account_id(), keys.account_id());
		let keys = Keys::generate(Some("//Alice")).expect("keys");
		assert_eq!(keys.public().account, "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY");
		let dir = tempfile::tempdir().expect("a temporary folder");
		let path = dir.path().join("alice.json");
		write(&path, &keys, "hospital passphrase").expect("writes");
		assert_eq!(unlock(&path, "hospital passphrase").expect("unlocks").public().account, keys.public().account);
		assert!(Keys::generate(Some("not a uri at all !!")).is_err());
	}
}
