//! The keyed tags that let a custodian recognise the sources (FHIR
//! resource versions) it already registered, from the chain alone.
//!
//! The tag key is derived with HKDF-SHA256 from the hospital's account
//! secret (the key file staff sign with), salted with the chain's genesis
//! hash; a tag is HMAC-SHA256 under that key of the source's locator. Only
//! someone holding the hospital's key can compute or recognise a tag, so
//! the chain shows neither which resource a record came from nor whether
//! two hospitals hold copies of the same one. A new hospital account means
//! new tags: after a key change an import registers everything once more.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use sp_core::{sr25519, Pair, H256};

/// What the HKDF expansion is for, so the key serves nothing else.
const INFO: &[u8] = b"ehr-chain fhir source tag v1";

/// A hospital's key for source tags on one chain.
pub struct SourceTagKey([u8; 32]);

impl SourceTagKey {
	/// The key of `hospital` (its account key pair) on the chain with `genesis`.
	pub fn derive(hospital: &sr25519::Pair, genesis: H256) -> Self {
		let secret = hospital.to_raw_vec();
		let hkdf = hkdf::Hkdf::<Sha256>::new(Some(genesis.as_bytes()), &secret);
		let mut key = [0u8; 32];
		// 32 bytes is far below HKDF-SHA256's limit of 255 * 32.
		hkdf.expand(INFO, &mut key).expect("32 bytes is a valid HKDF-SHA256 output length");
		SourceTagKey(key)
	}

	/// The tag of one resource version at a FHIR server: its base URL,
	/// resource type, id and version, as one unambiguous JSON array.
	pub fn tag(&self, base_url: &str, resource_type: &str, id: &str, version: &str) -> H256 {
		let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes a key of any length");
		let locator = serde_json::json!([base_url, resource_type, id, version]);
		mac.update(locator.to_string().as_bytes());
		H256(mac.finalize().into_bytes().into())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn tags_depend_on_every_part_and_on_the_hospital() {
		let genesis = H256::repeat_byte(1);
		let a = SourceTagKey::derive(&sr25519::Pair::from_string("//A", None).unwrap(), genesis);
		let b = SourceTagKey::derive(&sr25519::Pair::from_string("//B", None).unwrap(), genesis);
		let other_chain = SourceTagKey::derive(&sr25519::Pair::from_string("//A", None).unwrap(), H256::repeat_byte(2));
		let tag = a.tag("http://h/fhir", "Observation", "o1", "1");
		assert_eq!(tag, a.tag("http://h/fhir", "Observation", "o1", "1"));
		assert_ne!(tag, a.tag("http://h/fhir", "Observation", "o1", "2"));
		assert_ne!(tag, a.tag("http://h/fhir", "Observation", "o2", "1"));
		assert_ne!(tag, a.tag("http://h/fhir", "Condition", "o1", "1"));
		assert_ne!(tag, a.tag("http://g/fhir", "Observation", "o1", "1"));
		// No ambiguity where one part ends and the next begins.
		assert_ne!(a.tag("http://h/fhir", "Observation", "o1", "1"), a.tag("http://h/fhir", "Observatio", "no1", "1"));
		assert_ne!(tag, b.tag("http://h/fhir", "Observation", "o1", "1"));
		assert_ne!(tag, other_chain.tag("http://h/fhir", "Observation", "o1", "1"));
	}
}
