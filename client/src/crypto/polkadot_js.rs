//! The account as a polkadot-js JSON account file (`ehr keys
//! export-account`): the file the polkadot-js extension's "Restore account
//! from backup JSON file" and polkadot-js apps' "Restore JSON" read, so a
//! patient signs with the same account in the extension as in `ehr`.
//!
//! The format (version 3, as `@polkadot/keyring` writes it):
//! - `encoded`: base64 of the scrypt salt (32 bytes), N, p and r (each a
//!   32-bit little-endian number; polkadot-js accepts only N = 2^15, p = 1,
//!   r = 8), the 24-byte nonce, and the PKCS#8 key sealed with
//!   XSalsa20-Poly1305 (NaCl's secretbox, tag first) under the 32-byte
//!   scrypt key of the passphrase;
//! - the PKCS#8 key: a fixed 16-byte header, the sr25519 secret key (64
//!   bytes, in the "ed25519" byte layout schnorrkel exports for
//!   polkadot-js), a fixed 5-byte divider, the public key (32 bytes);
//! - `encoding`, `address` (SS58, generic prefix) and `meta` (name, creation
//!   time).
//!
//! Every primitive comes from a maintained crate (`scrypt`,
//! `crypto_secretbox`, `schnorrkel`, `base64`); only the layout is the
//! format's.

use anyhow::{anyhow, Result};
use base64::{engine::general_purpose::STANDARD, Engine};
use crypto_secretbox::{
	aead::{generic_array::GenericArray, Aead, KeyInit},
	XSalsa20Poly1305,
};
use rand_core::{OsRng, RngCore};
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};

/// The PKCS#8 header polkadot-js puts before the secret key.
const PKCS8_HEADER: [u8; 16] = [48, 83, 2, 1, 1, 48, 5, 6, 3, 43, 101, 112, 4, 34, 4, 32];
/// The PKCS#8 divider between the secret and the public key.
const PKCS8_DIVIDER: [u8; 5] = [161, 35, 3, 33, 0];
/// The only scrypt parameters polkadot-js accepts: N = 2^15, r = 8, p = 1.
const SCRYPT_LOG_N: u8 = 15;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;

/// `pair` as a polkadot-js JSON account file named `name`, sealed with
/// `passphrase`, created at `created_ms` (milliseconds since the epoch).
pub fn account_json(pair: &sr25519::Pair, passphrase: &str, name: &str, created_ms: u64) -> Result<Value> {
	let secret = schnorrkel::SecretKey::from_bytes(&pair.to_raw_vec())
		.map_err(|e| anyhow!("the key file's account key is not an sr25519 secret ({e})"))?
		.to_ed25519_bytes();
	let mut pkcs8 = Vec::with_capacity(PKCS8_HEADER.len() + 64 + PKCS8_DIVIDER.len() + 32);
	pkcs8.extend_from_slice(&PKCS8_HEADER);
	pkcs8.extend_from_slice(&secret);
	pkcs8.extend_from_slice(&PKCS8_DIVIDER);
	pkcs8.extend_from_slice(&pair.public().0);

	let mut salt = [0u8; 32];
	OsRng.fill_bytes(&mut salt);
	let params =
		scrypt::Params::new(SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P, 32).map_err(|e| anyhow!("scrypt parameters: {e}"))?;
	let mut key = [0u8; 32];
	scrypt::scrypt(passphrase.as_bytes(), &salt, &params, &mut key)
		.map_err(|e| anyhow!("cannot derive the file's key: {e}"))?;
	let mut nonce = [0u8; 24];
	OsRng.fill_bytes(&mut nonce);
	let sealed = XSalsa20Poly1305::new(&key.into())
		.encrypt(GenericArray::from_slice(&nonce), pkcs8.as_slice())
		.map_err(|_| anyhow!("cannot seal the account key"))?;

	let mut encoded = salt.to_vec();
	encoded.extend_from_slice(&(1u32 << SCRYPT_LOG_N).to_le_bytes());
	encoded.extend_from_slice(&SCRYPT_P.to_le_bytes());
	encoded.extend_from_slice(&SCRYPT_R.to_le_bytes());
	encoded.extend_from_slice(&nonce);
	encoded.extend_from_slice(&sealed);
	Ok(json!({
		"encoded": STANDARD.encode(encoded),
		"encoding": { "content": ["pkcs8", "sr25519"], "type": ["scrypt", "xsalsa20-poly1305"], "version": "3" },
		"address": pair.public().to_ss58check(),
		"meta": { "name": name, "whenCreated": created_ms },
	}))
}

#[cfg(test)]
mod tests {
	use super::*;

	/// Opens a file made by [`account_json`] as polkadot-js does, with the
	/// same crates: the key it holds and the public key after it.
	fn open(file: &Value, passphrase: &str) -> Option<([u8; 64], [u8; 32])> {
		let encoded = STANDARD.decode(file["encoded"].as_str()?).ok()?;
		let (salt, rest) = encoded.split_at(32);
		let (numbers, rest) = rest.split_at(12);
		assert_eq!(numbers, [0, 128, 0, 0, 1, 0, 0, 0, 8, 0, 0, 0], "N = 2^15, p = 1, r = 8");
		let (nonce, sealed) = rest.split_at(24);
		let mut key = [0u8; 32];
		scrypt::scrypt(passphrase.as_bytes(), salt, &scrypt::Params::new(15, 8, 1, 32).ok()?, &mut key).ok()?;
		let pkcs8 = XSalsa20Poly1305::new(&key.into()).decrypt(GenericArray::from_slice(nonce), sealed).ok()?;
		assert_eq!(pkcs8[..16], PKCS8_HEADER);
		assert_eq!(pkcs8[80..85], PKCS8_DIVIDER);
		Some((pkcs8[16..80].try_into().ok()?, pkcs8[85..].try_into().ok()?))
	}

	#[test]
	fn the_file_holds_the_same_key_under_the_passphrase_only() {
		let pair = sr25519::Pair::from_string("//Alice", None).expect("a dev key");
		let file = account_json(&pair, "correct horse", "Alice", 1).expect("the file");
		assert_eq!(file["address"], pair.public().to_ss58check());
		let (secret, public) = open(&file, "correct horse").expect("opens");
		assert_eq!(public, pair.public().0);
		// The secret signs as the account.
		let keypair = schnorrkel::SecretKey::from_ed25519_bytes(&secret).expect("a secret").to_keypair();
		let signature = keypair.sign_simple(b"substrate", b"ehr-chain");
		let signature = sr25519::Signature::from_raw(signature.to_bytes());
		assert!(sr25519::Pair::verify(&signature, b"ehr-chain", &pair.public()));
		assert!(open(&file, "wrong").is_none());
	}
}
