//! Key fragments on their way from the patient to the proxies, written once
//! for every party that handles them: the patient's client makes one kfrag
//! per proxy and seals (Umbral-encrypts) it to that proxy's key; the proxy
//! opens it, checks the patient's signature and re-encrypts a record's
//! capsule with it. The `ehr` client, the node's proxy worker, the pallet's
//! mock and benchmarks, and the integration tests all call these functions.

use crate::{
	types::{CfragBytes, KfragId},
	umbral_codec::{self, Sealed},
};
use alloc::vec::Vec;
use umbral_pre::{PublicKey, SecretKey, Signer, VerifiedKeyFrag};

/// Why kfrags could not be made, sealed, opened or used.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum KfragError {
	/// The threshold is zero or larger than the number of proxies.
	BadThreshold,
	/// Umbral refused to encrypt (never expected for a valid key).
	SealFailed,
	/// The named input is not a canonical Umbral encoding.
	Malformed(&'static str),
	/// The kfrag was not sealed to this proxy's key.
	NotSealedToThisProxy,
	/// The kfrag is not signed by the patient for this patient and grantee.
	NotSignedByPatient,
}

impl core::fmt::Display for KfragError {
	fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
		match self {
			KfragError::BadThreshold => write!(f, "the threshold must be between 1 and the number of proxies"),
			KfragError::SealFailed => write!(f, "a kfrag could not be sealed to a proxy's key"),
			KfragError::Malformed(what) => write!(f, "the grant's {what} is malformed"),
			KfragError::NotSealedToThisProxy => write!(f, "the kfrag was not encrypted to this proxy's key"),
			KfragError::NotSignedByPatient => write!(f, "the kfrag is not signed by the patient for this grantee"),
		}
	}
}

/// One kfrag sealed to one proxy: the canonical [`Sealed`] bytes the grant
/// carries, and the id of the kfrag inside (stated in the grant so that the
/// runtime can tie the proxy's cfrags to it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedKfrag {
	/// The canonical encoding of the kfrag Umbral-encrypted to the proxy.
	pub sealed: Vec<u8>,
	/// The kfrag's id.
	pub kfrag_id: KfragId,
}

/// Seals `kfrag` to `proxy` with randomness from `rng` (for `no_std`
/// callers such as the pallet's benchmarks).
pub fn seal_with_rng(
	rng: &mut (impl rand_core::CryptoRng + rand_core::RngCore),
	kfrag: &VerifiedKeyFrag,
	proxy: &PublicKey,
) -> Result<SealedKfrag, KfragError> {
	let plain = umbral_codec::encode(&kfrag.clone().unverify()).map_err(|_| KfragError::SealFailed)?;
	let kfrag_id = umbral_codec::kfrag_id(&plain).ok_or(KfragError::SealFailed)?;
	let (capsule, ciphertext) = umbral_pre::encrypt_with_rng(rng, proxy, &plain).map_err(|_| KfragError::SealFailed)?;
	let sealed = umbral_codec::encode(&Sealed { capsule, ciphertext: ciphertext.to_vec() })
		.map_err(|_| KfragError::SealFailed)?;
	Ok(SealedKfrag { sealed, kfrag_id })
}

/// The patient's kfrags for `grantee`, `threshold` of `proxies.len()`
/// needed, each sealed to one of `proxies` in order, with randomness from
/// `rng`. The kfrags sign both the patient's and the grantee's key, as the
/// runtime's cfrag check requires.
pub fn make_sealed_with_rng(
	rng: &mut (impl rand_core::CryptoRng + rand_core::RngCore),
	patient: &SecretKey,
	signer: &Signer,
	grantee: &PublicKey,
	threshold: usize,
	proxies: &[PublicKey],
) -> Result<Vec<SealedKfrag>, KfragError> {
	if threshold == 0 || threshold > proxies.len() {
		return Err(KfragError::BadThreshold);
	}
	let kfrags =
		umbral_pre::generate_kfrags_with_rng(rng, patient, grantee, signer, threshold, proxies.len(), true, true);
	proxies.iter().zip(kfrags.iter()).map(|(proxy, kfrag)| seal_with_rng(rng, kfrag, proxy)).collect()
}

/// [`make_sealed_with_rng`] with the operating system's randomness.
#[cfg(feature = "std")]
pub fn make_sealed(
	patient: &SecretKey,
	signer: &Signer,
	grantee: &PublicKey,
	threshold: usize,
	proxies: &[PublicKey],
) -> Result<Vec<SealedKfrag>, KfragError> {
	make_sealed_with_rng(&mut rand_core::OsRng, patient, signer, grantee, threshold, proxies)
}

/// Opens a kfrag sealed to the proxy whose key is `secret`, and verifies
/// that the patient (`patient_verifying_key`) signed it for the patient's
/// key and the grantee's key (canonical encodings, as on chain).
pub fn open(
	secret: &SecretKey,
	sealed: &[u8],
	patient_verifying_key: &[u8],
	patient_public_key: &[u8],
	grantee_public_key: &[u8],
) -> Result<VerifiedKeyFrag, KfragError> {
	let sealed: Sealed = umbral_codec::decode(sealed).map_err(|_| KfragError::Malformed("sealed kfrag"))?;
	let kfrag_bytes = umbral_pre::decrypt_original(secret, &sealed.capsule, &sealed.ciphertext)
		.map_err(|_| KfragError::NotSealedToThisProxy)?;
	let kfrag = umbral_codec::decode_kfrag(&kfrag_bytes).map_err(|_| KfragError::Malformed("kfrag"))?;
	let verifying =
		umbral_codec::decode_public_key(patient_verifying_key).map_err(|_| KfragError::Malformed("patient key"))?;
	let delegating =
		umbral_codec::decode_public_key(patient_public_key).map_err(|_| KfragError::Malformed("patient key"))?;
	let receiving =
		umbral_codec::decode_public_key(grantee_public_key).map_err(|_| KfragError::Malformed("grantee key"))?;
	kfrag.verify(&verifying, Some(&delegating), Some(&receiving)).map_err(|_| KfragError::NotSignedByPatient)
}

/// Re-encrypts a record's canonical capsule with a verified kfrag: the
/// proxy's cfrag, canonically encoded.
#[cfg(feature = "std")]
pub fn reencrypt(capsule: &[u8], kfrag: VerifiedKeyFrag) -> Result<CfragBytes, KfragError> {
	reencrypt_decoded(&decode_capsule(capsule)?, kfrag)
}

/// Decodes a record's capsule from its canonical encoding; umbral-pre checks
/// the capsule's validity proof as it does (two scalar multiplications), so
/// a caller that re-encrypts one capsule many times decodes it once and
/// keeps it (the proxy worker's capsule cache). Fails with `Malformed`.
pub fn decode_capsule(capsule: &[u8]) -> Result<umbral_pre::Capsule, KfragError> {
	umbral_codec::decode_capsule(capsule).map_err(|_| KfragError::Malformed("record's capsule"))
}

/// [`reencrypt`] for a capsule already decoded with [`decode_capsule`].
#[cfg(feature = "std")]
pub fn reencrypt_decoded(capsule: &umbral_pre::Capsule, kfrag: VerifiedKeyFrag) -> Result<CfragBytes, KfragError> {
	let cfrag = umbral_pre::reencrypt(capsule, kfrag).unverify();
	umbral_codec::encode(&cfrag).ok().and_then(|bytes| bytes.try_into().ok()).ok_or(KfragError::Malformed("cfrag"))
}

#[cfg(all(test, feature = "std"))]
mod tests {
	use super::*;

	#[test]
	fn a_proxy_opens_only_its_own_kfrag_and_its_cfrag_verifies() {
		let (patient, grantee) = (SecretKey::random(), SecretKey::random());
		let signer = Signer::new(SecretKey::random());
		let proxies = [SecretKey::random(), SecretKey::random()];
		let publics: Vec<_> = proxies.iter().map(SecretKey::public_key).collect();
		let sealed = make_sealed(&patient, &signer, &grantee.public_key(), 2, &publics).expect("seals");
		let enc = |k: &PublicKey| umbral_codec::encode(k).expect("encodes");
		let (verifying, delegating, receiving) =
			(enc(&signer.verifying_key()), enc(&patient.public_key()), enc(&grantee.public_key()));

		let kfrag = open(&proxies[0], &sealed[0].sealed, &verifying, &delegating, &receiving).expect("opens");
		assert_eq!(
			open(&proxies[0], &sealed[1].sealed, &verifying, &delegating, &receiving),
			Err(KfragError::NotSealedToThisProxy)
		);
		assert_eq!(
			open(&proxies[0], &sealed[0].sealed, &verifying, &delegating, &delegating),
			Err(KfragError::NotSignedByPatient)
		);

		let (capsule, _) = umbral_pre::encrypt(&patient.public_key(), b"envelope").expect("encrypts");
		let capsule = umbral_codec::encode(&capsule).expect("encodes");
		let cfrag = reencrypt(&capsule, kfrag).expect("re-encrypts");
		assert_eq!(umbral_codec::verify_cfrag(&cfrag, &capsule, &verifying, &delegating, &receiving), Ok(()));
		assert_eq!(umbral_codec::cfrag_kfrag_id(&cfrag), Some(sealed[0].kfrag_id));
	}

	#[test]
	fn a_threshold_outside_one_to_the_proxies_is_refused() {
		let patient = SecretKey::random();
		let signer = Signer::new(SecretKey::random());
		let proxy = [SecretKey::random().public_key()];
		for threshold in [0, 2] {
			assert_eq!(
				make_sealed(&patient, &signer, &patient.public_key(), threshold, &proxy),
				Err(KfragError::BadThreshold)
			);
		}
	}
}
