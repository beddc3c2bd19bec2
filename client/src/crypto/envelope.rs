//! What a record is made of, cryptographically.
//!
//! - The **body** is encrypted with a fresh 256-bit key under
//!   XChaCha20-Poly1305; the stored blob is `nonce (24 bytes) || ciphertext`,
//!   and its blake2-256 hash is the record's `body_hash` on chain.
//! - The **envelope** (the body key and the record's metadata: file name,
//!   media type, size and, for FHIR R4 JSON, resourceType and date) is JSON,
//!   Umbral-encrypted to the patient: the capsule and ciphertext go on chain
//!   (`capsule`, `encrypted_metadata`). The patient decrypts it with their
//!   key; a grantee with cfrags re-encrypted from the capsule.
//!
//! Nothing in clear text about the record's content reaches the chain.

use anyhow::{anyhow, bail, Context, Result};
use chacha20poly1305::{
	aead::{Aead, KeyInit},
	XChaCha20Poly1305, XNonce,
};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use umbral_pre::{Capsule, PublicKey, SecretKey, VerifiedCapsuleFrag};

const NONCE_LEN: usize = 24;

/// What the patient (and a grantee) learns about a record: its metadata and
/// the key of its body.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
	/// The file name the record was added from (without its folder).
	pub file_name: String,
	/// The media type (`application/fhir+json` for FHIR, else `application/octet-stream`).
	pub media_type: String,
	/// The plaintext body's size in bytes.
	pub size: u64,
	/// FHIR `resourceType`, when the body is a FHIR R4 JSON resource.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub resource_type: Option<String>,
	/// The resource's clinically relevant date, when it has one.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub date: Option<String>,
	/// Where the body came from in the hospital's EHR, for a record
	/// imported from its FHIR server.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub source: Option<FhirLocator>,
	/// The body key (hex).
	pub body_key: String,
}

/// The locator of an imported record in the custodian's existing EHR: the
/// FHIR server and the resource version the body is a copy of.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FhirLocator {
	/// The FHIR server's base URL.
	pub base_url: String,
	/// The resource's logical id.
	pub id: String,
	/// `meta.versionId`, when the server versions resources.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub version_id: Option<String>,
	/// `meta.lastUpdated`.
	#[serde(default, skip_serializing_if = "Option::is_none")]
	pub last_updated: Option<String>,
}

/// What an envelope says about its record, without the body key: what
/// `ehr` prints (a key in printed output would end up in logs and scripts).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RecordMetadata {
	/// The file name the record was added from.
	pub file_name: String,
	/// The media type.
	pub media_type: String,
	/// The plaintext body's size in bytes.
	pub size: u64,
	/// FHIR `resourceType`, when the body is a FHIR R4 JSON resource.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub resource_type: Option<String>,
	/// The resource's clinically relevant date, when it has one.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub date: Option<String>,
	/// Where an imported record came from in the hospital's EHR.
	#[serde(skip_serializing_if = "Option::is_none")]
	pub source: Option<FhirLocator>,
}

impl Envelope {
	/// The record's metadata, without the body key.
	pub fn metadata(&self) -> RecordMetadata {
		RecordMetadata {
			file_name: self.file_name.clone(),
			media_type: self.media_type.clone(),
			size: self.size,
			resource_type: self.resource_type.clone(),
			date: self.date.clone(),
			source: self.source.clone(),
		}
	}
}

/// An encrypted body and the key that opens it.
pub struct SealedBody {
	/// `nonce || ciphertext`: what the custodian stores.
	pub blob: Vec<u8>,
	/// The fresh key.
	pub key: [u8; 32],
}

/// Encrypts `plaintext` under a fresh key.
pub fn seal_body(plaintext: &[u8]) -> Result<SealedBody> {
	let mut key = [0u8; 32];
	OsRng.fill_bytes(&mut key);
	let mut nonce = [0u8; NONCE_LEN];
	OsRng.fill_bytes(&mut nonce);
	let ciphertext = XChaCha20Poly1305::new(&key.into())
		.encrypt(XNonce::from_slice(&nonce), plaintext)
		.map_err(|_| anyhow!("cannot encrypt the body"))?;
	let mut blob = nonce.to_vec();
	blob.extend_from_slice(&ciphertext);
	Ok(SealedBody { blob, key })
}

/// Decrypts a stored body with the key from its envelope.
pub fn open_body(blob: &[u8], envelope: &Envelope) -> Result<Vec<u8>> {
	let key: [u8; 32] = hex::decode(&envelope.body_key)
		.ok()
		.and_then(|k| k.try_into().ok())
		.ok_or_else(|| anyhow!("the record's envelope holds no valid body key"))?;
	if blob.len() < NONCE_LEN {
		bail!("the body is shorter than its nonce; the custodian's copy is damaged");
	}
	let (nonce, ciphertext) = blob.split_at(NONCE_LEN);
	XChaCha20Poly1305::new(&key.into())
		.decrypt(XNonce::from_slice(nonce), ciphertext)
		.map_err(|_| anyhow!("the body does not decrypt with the record's key; the custodian's copy is damaged"))
}

/// The metadata of a file: FHIR R4 JSON resources give their resourceType
/// and date; anything else is an opaque document.
pub fn describe(file_name: &str, body: &[u8], key: &[u8; 32]) -> Envelope {
	let fhir = serde_json::from_slice::<serde_json::Value>(body)
		.ok()
		.filter(|json| json.get("resourceType").and_then(|t| t.as_str()).is_some());
	let text = |json: &serde_json::Value, path: &[&str]| {
		path.iter().try_fold(json, |value, key| value.get(key)).and_then(|v| v.as_str()).map(String::from)
	};
	let (media_type, resource_type, date) = match &fhir {
		Some(json) => {
			// The first of the date elements the common resources carry.
			let date = [
				&["effectiveDateTime"][..],
				&["issued"],
				&["date"],
				&["recordedDate"],
				&["authoredOn"],
				&["period", "start"],
				&["performedDateTime"],
				&["onsetDateTime"],
				&["meta", "lastUpdated"],
			]
			.iter()
			.find_map(|path| text(json, path));
			("application/fhir+json", text(json, &["resourceType"]), date)
		},
		None => ("application/octet-stream", None, None),
	};
	Envelope {
		file_name: file_name.to_owned(),
		media_type: media_type.to_owned(),
		size: body.len() as u64,
		resource_type,
		date,
		source: None,
		body_key: hex::encode(key),
	}
}

/// Umbral-encrypts `envelope` to the patient: `(capsule, ciphertext)`.
pub fn seal_envelope(envelope: &Envelope, patient: &PublicKey) -> Result<(Capsule, Vec<u8>)> {
	let plaintext = serde_json::to_vec(envelope)?;
	let (capsule, ciphertext) =
		umbral_pre::encrypt(patient, &plaintext).map_err(|e| anyhow!("cannot encrypt the envelope: {e}"))?;
	Ok((capsule, ciphertext.to_vec()))
}

fn parse(plaintext: &[u8]) -> Result<Envelope> {
	serde_json::from_slice(plaintext).context("the record's envelope is not one this client understands")
}

/// Opens an envelope as its patient.
pub fn open_envelope(secret: &SecretKey, capsule: &Capsule, ciphertext: &[u8]) -> Result<Envelope> {
	let plaintext = umbral_pre::decrypt_original(secret, capsule, ciphertext)
		.map_err(|_| anyhow!("the envelope does not open with this key file; is it the patient's?"))?;
	parse(&plaintext)
}

/// Opens an envelope as a grantee, with verified cfrags from the proxies.
pub fn open_reencrypted(
	secret: &SecretKey,
	patient: &PublicKey,
	capsule: &Capsule,
	cfrags: Vec<VerifiedCapsuleFrag>,
	ciphertext: &[u8],
) -> Result<Envelope> {
	let plaintext = umbral_pre::decrypt_reencrypted(secret, patient, capsule, cfrags, ciphertext).map_err(|e| {
		anyhow!("the re-encrypted envelope does not open ({e}); the request may not be for this key file")
	})?;
	parse(&plaintext)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn a_fhir_body_round_trips_and_describes_itself() {
		let body = br#"{"resourceType":"Observation","status":"final","effectiveDateTime":"2026-03-01T10:00:00Z"}"#;
		let sealed = seal_body(body).expect("seals");
		assert_ne!(&sealed.blob[NONCE_LEN..], &body[..]);
		let envelope = describe("obs.json", body, &sealed.key);
		assert_eq!(envelope.resource_type.as_deref(), Some("Observation"));
		assert_eq!(envelope.date.as_deref(), Some("2026-03-01T10:00:00Z"));
		assert_eq!(envelope.media_type, "application/fhir+json");
		assert_eq!(open_body(&sealed.blob, &envelope).expect("opens"), body);

		let patient = SecretKey::random();
		let (capsule, ciphertext) = seal_envelope(&envelope, &patient.public_key()).expect("seals");
		assert_eq!(open_envelope(&patient, &capsule, &ciphertext).expect("opens"), envelope);
		assert!(open_envelope(&SecretKey::random(), &capsule, &ciphertext).is_err());
	}

	#[test]
	fn other_files_are_opaque_and_tampering_is_caught() {
		let body = b"%PDF-1.7 not json";
		let sealed = seal_body(body).expect("seals");
		let envelope = describe("scan.pdf", body, &sealed.key);
		assert_eq!(envelope.resource_type, None);
		assert_eq!(envelope.media_type, "application/octet-stream");
		let mut tampered = sealed.blob.clone();
		*tampered.last_mut().expect("not empty") ^= 1;
		assert!(open_body(&tampered, &envelope).is_err());
		assert!(open_body(&sealed.blob[..10], &envelope).is_err());
	}
}
