//! The one canonical byte encoding of Umbral objects on ehr-chain.
//!
//! Every Umbral object (public key, capsule, key fragment, capsule fragment)
//! travels as the postcard encoding of umbral-pre's serde form: postcard is
//! `no_std`, compact and deterministic, and umbral-pre's serde impls write
//! each object's fixed-size byte form as one length-prefixed byte string.
//! Sizes: public key 34 B, capsule 101 B, kfrag 300 B, cfrag 369 B.
//! docs/protocol.md gives the exact layout and the conversion from the
//! MessagePack bytes of `@nucypher/umbral-pre`'s `toBytes()`.
//!
//! Decoding is strict: trailing bytes are an error, so each object has
//! exactly one accepted encoding.

use alloc::vec::Vec;
use serde::{de::DeserializeOwned, Serialize};
use umbral_pre::{Capsule, CapsuleFrag, CapsuleFragVerificationError, KeyFrag, PublicKey};

/// Why bytes could not be read as an Umbral object, or a cfrag did not verify.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CodecError {
	/// The bytes are not a canonical encoding of the expected object.
	Malformed,
	/// The object could not be encoded (never expected for Umbral objects).
	Unencodable,
}

/// Why a capsule fragment was rejected.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum CfragCheckError {
	/// The cfrag, capsule or one of the keys did not decode.
	Malformed(CodecError),
	/// The kfrag behind the cfrag was not signed by the patient for this
	/// patient and grantee pair.
	WrongKeyFragSignature,
	/// The re-encryption proof does not hold for this capsule.
	IncorrectReencryption,
}

/// Encodes an Umbral object canonically.
pub fn encode<T: Serialize>(object: &T) -> Result<Vec<u8>, CodecError> {
	postcard::to_allocvec(object).map_err(|_| CodecError::Unencodable)
}

/// Decodes a canonical Umbral object; trailing bytes are refused.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, CodecError> {
	match postcard::take_from_bytes::<T>(bytes) {
		Ok((object, [])) => Ok(object),
		_ => Err(CodecError::Malformed),
	}
}

/// Decodes a public key.
pub fn decode_public_key(bytes: &[u8]) -> Result<PublicKey, CodecError> {
	decode(bytes)
}

/// Decodes a capsule.
pub fn decode_capsule(bytes: &[u8]) -> Result<Capsule, CodecError> {
	decode(bytes)
}

/// Decodes a capsule fragment (unverified).
pub fn decode_cfrag(bytes: &[u8]) -> Result<CapsuleFrag, CodecError> {
	decode(bytes)
}

/// Decodes a key fragment (unverified).
pub fn decode_kfrag(bytes: &[u8]) -> Result<KeyFrag, CodecError> {
	decode(bytes)
}

/// Length prefix postcard writes before a 33-byte compressed curve point.
const POINT_PREFIX: u8 = 33;
/// Length prefix postcard writes before a 32-byte kfrag id.
const ID_PREFIX: u8 = 32;

/// The id of the kfrag a canonical cfrag was made with, read from its bytes
/// without decoding any curve point: the cfrag's encoding starts with two
/// length-prefixed 33-byte points (`e1`, `v1`), then the length-prefixed
/// 32-byte kfrag id. `None` if the bytes do not have that shape. The runtime
/// calls this only after the cfrag verified, so the bytes are canonical.
pub fn cfrag_kfrag_id(cfrag: &[u8]) -> Option<[u8; 32]> {
	match (cfrag.first(), cfrag.get(34), cfrag.get(68), cfrag.get(69..101)) {
		(Some(&POINT_PREFIX), Some(&POINT_PREFIX), Some(&ID_PREFIX), Some(id)) => id.try_into().ok(),
		_ => None,
	}
}

/// The id of a canonical kfrag, read from its bytes: the kfrag's encoding
/// starts with its parameters (one length-prefixed 33-byte point), then the
/// length-prefixed 32-byte id. The client states this id in the grant, so
/// the runtime can tie each proxy's cfrags to the kfrag sealed to it.
pub fn kfrag_id(kfrag: &[u8]) -> Option<[u8; 32]> {
	match (kfrag.first(), kfrag.get(34), kfrag.get(35..67)) {
		(Some(&POINT_PREFIX), Some(&ID_PREFIX), Some(id)) => id.try_into().ok(),
		_ => None,
	}
}

/// A message Umbral-encrypted to a public key: the capsule and the DEM
/// ciphertext, encoded together (used for kfrags encrypted to a proxy and
/// for a record's metadata envelope on the client side).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Sealed {
	/// The capsule that opens the ciphertext.
	pub capsule: Capsule,
	/// The DEM ciphertext (XChaCha20-Poly1305 inside umbral-pre).
	pub ciphertext: Vec<u8>,
}

/// Verifies `cfrag_bytes` as a re-encryption of `capsule_bytes` by a kfrag
/// that `patient_verifying_key` signed for `patient_public_key` (delegating)
/// and `grantee_public_key` (receiving). Never panics.
pub fn verify_cfrag(
	cfrag_bytes: &[u8],
	capsule_bytes: &[u8],
	patient_verifying_key: &[u8],
	patient_public_key: &[u8],
	grantee_public_key: &[u8],
) -> Result<(), CfragCheckError> {
	let cfrag = decode_cfrag(cfrag_bytes).map_err(CfragCheckError::Malformed)?;
	let capsule = decode_capsule(capsule_bytes).map_err(CfragCheckError::Malformed)?;
	let verifying = decode_public_key(patient_verifying_key).map_err(CfragCheckError::Malformed)?;
	let delegating = decode_public_key(patient_public_key).map_err(CfragCheckError::Malformed)?;
	let receiving = decode_public_key(grantee_public_key).map_err(CfragCheckError::Malformed)?;
	cfrag.verify(&capsule, &verifying, &delegating, &receiving).map(|_| ()).map_err(|(error, _)| match error {
		CapsuleFragVerificationError::IncorrectKeyFragSignature => CfragCheckError::WrongKeyFragSignature,
		CapsuleFragVerificationError::IncorrectReencryption => CfragCheckError::IncorrectReencryption,
	})
}

#[cfg(test)]
mod tests {
	use super::*;
	use umbral_pre::{encrypt, generate_kfrags, reencrypt, SecretKey, Signer};

	struct Parties {
		patient: SecretKey,
		signer: Signer,
		grantee: SecretKey,
	}

	fn parties() -> Parties {
		Parties { patient: SecretKey::random(), signer: Signer::new(SecretKey::random()), grantee: SecretKey::random() }
	}

	#[test]
	fn canonical_sizes_are_as_documented() {
		let p = parties();
		let (capsule, _) = encrypt(&p.patient.public_key(), b"envelope").expect("encrypts");
		let kfrags = generate_kfrags(&p.patient, &p.grantee.public_key(), &p.signer, 2, 3, true, true);
		let cfrag = reencrypt(&capsule, kfrags[0].clone());
		assert_eq!(encode(&p.patient.public_key()).unwrap().len(), 34);
		assert_eq!(encode(&capsule).unwrap().len(), 101);
		assert_eq!(encode(&kfrags[0].clone().unverify()).unwrap().len(), 300);
		assert_eq!(encode(&cfrag.unverify()).unwrap().len(), 369);
	}

	#[test]
	fn objects_round_trip_and_trailing_bytes_are_refused() {
		let p = parties();
		let pk = p.patient.public_key();
		let bytes = encode(&pk).unwrap();
		assert_eq!(decode_public_key(&bytes).unwrap(), pk);
		let mut longer = bytes.clone();
		longer.push(0);
		assert_eq!(decode_public_key(&longer), Err(CodecError::Malformed));
		assert_eq!(decode_public_key(&bytes[..10]), Err(CodecError::Malformed));
	}

	#[test]
	fn cfrag_verification_accepts_honest_and_rejects_wrong_grantee() {
		let p = parties();
		let (capsule, _) = encrypt(&p.patient.public_key(), b"envelope").unwrap();
		let kfrags = generate_kfrags(&p.patient, &p.grantee.public_key(), &p.signer, 1, 1, true, true);
		let cfrag = encode(&reencrypt(&capsule, kfrags[0].clone()).unverify()).unwrap();
		let capsule = encode(&capsule).unwrap();
		let vk = encode(&p.signer.verifying_key()).unwrap();
		let pk = encode(&p.patient.public_key()).unwrap();
		let grantee = encode(&p.grantee.public_key()).unwrap();
		assert_eq!(verify_cfrag(&cfrag, &capsule, &vk, &pk, &grantee), Ok(()));
		let other = encode(&SecretKey::random().public_key()).unwrap();
		assert_eq!(verify_cfrag(&cfrag, &capsule, &vk, &pk, &other), Err(CfragCheckError::WrongKeyFragSignature));
	}

	#[test]
	fn kfrag_ids_read_from_bytes_tie_cfrags_to_their_kfrag() {
		let p = parties();
		let kfrags = generate_kfrags(&p.patient, &p.grantee.public_key(), &p.signer, 2, 3, true, true);
		let (first, _) = encrypt(&p.patient.public_key(), b"one").unwrap();
		let (second, _) = encrypt(&p.patient.public_key(), b"two").unwrap();
		let ids: Vec<_> = kfrags.iter().map(|k| kfrag_id(&encode(&k.clone().unverify()).unwrap()).unwrap()).collect();
		assert!(ids[0] != ids[1] && ids[1] != ids[2] && ids[0] != ids[2], "each kfrag has its own id");
		for (kfrag, id) in kfrags.iter().zip(&ids) {
			let kfrag_bytes = encode(&kfrag.clone().unverify()).unwrap();
			// The id sits where the decoder reads it, and a decoded kfrag re-encodes to the same bytes.
			assert_eq!(&kfrag_bytes[35..67], id.as_slice());
			assert_eq!(encode(&decode_kfrag(&kfrag_bytes).unwrap()).unwrap(), kfrag_bytes);
			for capsule in [&first, &second] {
				let cfrag = encode(&reencrypt(capsule, kfrag.clone()).unverify()).unwrap();
				assert_eq!(cfrag_kfrag_id(&cfrag), Some(*id), "a cfrag names the kfrag it was made with");
			}
		}
		assert_eq!(cfrag_kfrag_id(&[33; 100]), None);
		assert_eq!(kfrag_id(&[0; 300]), None);
	}

	#[test]
	fn a_sealed_kfrag_is_exactly_the_bound() {
		let p = parties();
		let kfrags = generate_kfrags(&p.patient, &p.grantee.public_key(), &p.signer, 1, 1, true, true);
		let kfrag_bytes = encode(&kfrags[0].clone().unverify()).unwrap();
		let proxy = SecretKey::random();
		let (capsule, ciphertext) = encrypt(&proxy.public_key(), &kfrag_bytes).unwrap();
		let sealed = encode(&Sealed { capsule, ciphertext: ciphertext.to_vec() }).unwrap();
		assert_eq!(sealed.len() as u32, crate::MAX_ENCRYPTED_KFRAG_LEN);
		assert_eq!(encode(&p.patient.public_key()).unwrap().len() as u32, crate::MAX_PUBLIC_KEY_LEN);
	}

	proptest::proptest! {
		#[test]
		fn random_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
			let _ = decode_public_key(&bytes);
			let _ = decode_capsule(&bytes);
			let _ = decode_cfrag(&bytes);
			let _ = decode_kfrag(&bytes);
			let _ = decode::<Sealed>(&bytes);
			let _ = verify_cfrag(&bytes, &bytes, &bytes, &bytes, &bytes);
			let _ = cfrag_kfrag_id(&bytes);
			let _ = kfrag_id(&bytes);
		}
	}
}
