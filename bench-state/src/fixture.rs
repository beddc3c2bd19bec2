//! The accounts and Umbral objects of the bench state, all from fixed seeds:
//! the benchmark test signs as any patient, and a later `grow` on the same
//! database makes records and grants for the keys an earlier one registered.
//!
//! Every patient shares one Umbral key pair and every record one capsule:
//! the chain stores keys and capsules as bytes of a fixed length, so sharing
//! them changes no storage size and no lookup, and it spares the harness a
//! million encryptions.

use codec::Encode;
use ehr_runtime::AccountId;
use rand_chacha::{rand_core::SeedableRng, ChaCha20Rng};
use sp_core::{sr25519, Pair};
use umbral_pre::{Capsule, SecretKey, Signer};

fn seed(kind: &str, index: u32) -> [u8; 32] {
	sp_crypto_hashing::blake2_256(&("ehr-bench-state", kind, index).encode())
}

/// Patient `index`'s account key.
pub fn patient(index: u32) -> sr25519::Pair {
	sr25519::Pair::from_seed(&seed("patient", index))
}

/// Grantee (provider) `index`'s account key.
pub fn provider(index: u32) -> sr25519::Pair {
	sr25519::Pair::from_seed(&seed("provider", index))
}

/// The node account the harness registers as the development hospital's
/// proxy, which signs the measured `submit_cfrag` transactions.
pub fn proxy_account() -> sr25519::Pair {
	sr25519::Pair::from_seed(&seed("proxy", 0))
}

/// The development hospital (Alice), custodian of every record.
pub fn hospital() -> sr25519::Pair {
	sp_keyring::Sr25519Keyring::Alice.pair()
}

/// `pair`'s account id.
pub fn account(pair: &sr25519::Pair) -> AccountId {
	AccountId::from(pair.public())
}

/// A signature by `pair` as the runtime takes it.
pub fn sign(pair: &sr25519::Pair, payload: &[u8]) -> ehr_runtime::Signature {
	sp_runtime::MultiSignature::Sr25519(pair.sign(payload))
}

/// The Umbral side of the state: the patients' shared keys, a grantee key,
/// the proxy's key and the records' capsule.
pub struct Umbral {
	/// The patients' decryption key.
	pub patient: SecretKey,
	/// The patients' kfrag signer.
	pub patient_signer: Signer,
	/// The grantees' key.
	pub grantee: SecretKey,
	/// The harness proxy's key.
	pub proxy: SecretKey,
	/// The capsule every record carries (encrypted to the patients' key).
	pub capsule: Capsule,
}

impl Umbral {
	/// The keys and capsule, the same on every run.
	pub fn new() -> Result<Umbral, String> {
		let mut rng = ChaCha20Rng::from_seed(seed("umbral", 0));
		let patient = SecretKey::random_with_rng(&mut rng);
		let patient_signer = Signer::new(SecretKey::random_with_rng(&mut rng));
		let grantee = SecretKey::random_with_rng(&mut rng);
		let proxy = SecretKey::random_with_rng(&mut rng);
		let (capsule, _) = umbral_pre::encrypt_with_rng(&mut rng, &patient.public_key(), &[0x42; 32])
			.map_err(|e| format!("umbral encrypt: {e}"))?;
		Ok(Umbral { patient, patient_signer, grantee, proxy, capsule })
	}

	/// The canonical encoding of an Umbral object, bounded as the chain takes it.
	pub fn bytes<const N: u32>(
		object: &impl serde::Serialize,
	) -> Result<sp_runtime::BoundedVec<u8, sp_core::ConstU32<N>>, String> {
		ehr_primitives::umbral_codec::encode(object)
			.map_err(|_| "an Umbral object does not encode".to_string())?
			.try_into()
			.map_err(|_| "an Umbral object is longer than the chain takes".to_string())
	}
}
