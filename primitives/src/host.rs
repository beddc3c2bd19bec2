//! The `ehr_crypto` host functions: cfrag verification and the capsule
//! check, executed natively by the node on behalf of the runtime.
//!
//! Verifying a cfrag compiled to wasm costs about 2.4 times the native time
//! (docs/benchmarks.md). The runtime therefore calls this host function,
//! which runs [`umbral_codec::verify_cfrag`] natively, with the same bytes
//! and the same result on every node: umbral-pre's verification is pure
//! and deterministic. Every ehr-node provides it
//! ([`ehr_crypto::HostFunctions`] in the node's executor); a node binary
//! without it cannot execute the runtime, so adding or changing it is a
//! coordinated node upgrade (docs/architecture.md).

#[cfg(feature = "std")]
use crate::umbral_codec::{self, CfragCheckError, CodecError};
use sp_runtime_interface::{pass_by::PassFatPointerAndRead, runtime_interface};

/// The cfrag verified.
pub const CFRAG_VALID: u32 = 0;
/// The cfrag, capsule or one of the keys does not decode.
pub const CFRAG_MALFORMED: u32 = 1;
/// The kfrag behind the cfrag was not signed for this patient and grantee.
pub const CFRAG_WRONG_KEY_FRAG: u32 = 2;
/// The re-encryption proof does not hold for this capsule.
pub const CFRAG_INCORRECT_REENCRYPTION: u32 = 3;

/// Host functions of ehr-chain.
#[runtime_interface]
pub trait EhrCrypto {
	/// Verifies a canonical cfrag against a canonical capsule and the
	/// patient's verifying and public keys and the grantee's public key.
	/// Returns one of the `CFRAG_*` codes.
	fn verify_cfrag(
		cfrag: PassFatPointerAndRead<&[u8]>,
		capsule: PassFatPointerAndRead<&[u8]>,
		patient_verifying_key: PassFatPointerAndRead<&[u8]>,
		patient_public_key: PassFatPointerAndRead<&[u8]>,
		grantee_public_key: PassFatPointerAndRead<&[u8]>,
	) -> u32 {
		match umbral_codec::verify_cfrag(cfrag, capsule, patient_verifying_key, patient_public_key, grantee_public_key)
		{
			Ok(()) => CFRAG_VALID,
			Err(CfragCheckError::Malformed(CodecError::Malformed | CodecError::Unencodable)) => CFRAG_MALFORMED,
			Err(CfragCheckError::WrongKeyFragSignature) => CFRAG_WRONG_KEY_FRAG,
			Err(CfragCheckError::IncorrectReencryption) => CFRAG_INCORRECT_REENCRYPTION,
		}
	}

	/// Whether `capsule` is a canonical Umbral capsule whose validity proof
	/// holds (what decoding one checks). Natively this takes about a third of
	/// the time the same check takes compiled to wasm, and `create_record`
	/// runs it for every record.
	fn capsule_is_valid(capsule: PassFatPointerAndRead<&[u8]>) -> bool {
		umbral_codec::decode_capsule(capsule).is_ok()
	}
}
