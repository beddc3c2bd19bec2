//! The `ehr_*` JSON-RPC interface of an ehr-chain hospital node, defined
//! once for both sides (as polkadot-sdk's transaction-payment RPC is): the
//! node implements [`EhrRpcApiServer`], and the `ehr` client, the tests and
//! any Rust hospital system call it through [`EhrRpcApiClient`], which
//! jsonrpsee implements for every client connection.
//!
//! - `ehr_putBlob`: hospital systems store a record body, chunk by chunk.
//!   An unsafe method: served only where the operator allows unsafe RPC
//!   (the default on the local interface; never with `--rpc-methods safe`),
//!   so nobody outside the hospital can fill its disk.
//! - `ehr_getBlob`: a grantee with a ready request, or the patient, reads a
//!   body by range, signing each read with their account (see
//!   [`ehr_primitives::access`]).
//! - `ehr_status`: the node's proxy, open requests, cfrags and blob store.
//! - `ehr_proxyAccountConsent`: the node account's signed consent to act
//!   for a hospital, which `register_proxy` needs. An unsafe method, so
//!   only the node's operator can have the node consent.
//!
//! docs/rpc.md describes every method for people; a test checks that it
//! names every method and error code defined here.

#![warn(missing_docs)]

mod error;

pub use ehr_primitives::access::{BlobChunk, BlobRead, PutBlobResponse};
pub use error::EhrRpcError;

use jsonrpsee::{core::RpcResult, proc_macros::rpc};
use serde::{Deserialize, Serialize};
use sp_core::{crypto::AccountId32, Bytes, H256};

/// The namespace of every method here (`ehr_putBlob`, `ehr_getBlob`, ...).
pub const NAMESPACE: &str = "ehr";

/// The full names of the methods, as they appear on the wire.
pub const METHODS: [&str; 4] = ["ehr_putBlob", "ehr_getBlob", "ehr_status", "ehr_proxyAccountConsent"];

/// Bytes a single `ehr_getBlob` returns at most, whatever `length` asks for.
pub const MAX_READ_BYTES: u32 = 4 << 20;

/// The node's HTTP body server (docs/rpc.md, "Bodies over HTTP"): the
/// paths and headers its server and its clients (the `ehr` client, the
/// patient portal) share.
pub mod http {
	/// `GET` reads a body: the signed read ([`crate::BlobRead`], JSON) in
	/// [`READ_HEADER`], the bytes it signs in a standard `Range` header.
	/// `PUT {BODY_PATH}/0x<blake2-256>` uploads one (hospital systems only).
	pub const BODY_PATH: &str = "/body";
	/// The header carrying the signed read.
	pub const READ_HEADER: &str = "x-ehr-read";
	/// The response header with the body's blake2-256 hash (as on chain).
	pub const BODY_HASH_HEADER: &str = "x-ehr-body-hash";
}

/// What `ehr_status` reports.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct EhrStatus {
	/// The node's proxy account, if it has one.
	pub proxy_account: Option<AccountId32>,
	/// The hospital that account is registered to, at the best block.
	pub hospital: Option<AccountId32>,
	/// The proxy's Umbral public key (canonical encoding, hex), if a key file exists.
	pub proxy_public_key: Option<String>,
	/// Open requests naming this hospital.
	pub open_requests: u64,
	/// Cfrags this node submitted since it started.
	pub cfrags_submitted: u64,
	/// Cfrags this node failed to produce or submit since it started.
	pub cfrags_failed: u64,
	/// Bodies in the blob store.
	pub blob_count: u64,
	/// Bytes in the blob store.
	pub blob_bytes: u64,
	/// Bodies moved to quarantine because their content no longer matched
	/// their hash (the operator must restore them).
	pub blobs_quarantined: u64,
	/// The largest body this node accepts.
	pub blob_max_bytes: u64,
	/// The port of the node's HTTP body server (docs/rpc.md, "Bodies over
	/// HTTP"), on the same host as this RPC endpoint, when it runs.
	#[serde(default)]
	pub http_port: Option<u16>,
}

/// What `ehr_proxyAccountConsent` returns: the node's proxy account and its
/// sr25519 signature over [`ehr_primitives::ProxyAccountConsent`] for the
/// hospital asked about, which `register_proxy` takes as the account's
/// consent.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ProxyAccountConsentResponse {
	/// The node's proxy account.
	pub account: AccountId32,
	/// The 64-byte sr25519 signature of `account` over the consent.
	pub signature: Bytes,
}

/// The `ehr_*` methods of a hospital node.
#[rpc(client, server, namespace = "ehr")]
pub trait EhrRpcApi {
	/// Stores `data` at `offset` of the body with hash `body_hash` and size
	/// `total_size`. Hospital systems only (unsafe RPC). Fails with 1001
	/// (too large), 1002 (wrong offset), 1003 (hash mismatch) or 1005.
	#[method(name = "putBlob", with_extensions)]
	async fn put_blob(&self, body_hash: H256, total_size: u64, offset: u64, data: Bytes) -> RpcResult<PutBlobResponse>;

	/// Reads part of a body, for its patient or the grantee of a ready
	/// request, signed by the reader for this node's hospital. Fails with
	/// the codes 1004–1019.
	#[method(name = "getBlob")]
	async fn get_blob(&self, read: BlobRead) -> RpcResult<BlobChunk>;

	/// The node's EHR services at a glance.
	#[method(name = "status")]
	fn status(&self) -> RpcResult<EhrStatus>;

	/// The node account's signed consent to act as `hospital`'s proxy node
	/// on this chain. Its operator only (unsafe RPC): hospital staff pass it
	/// to `register_proxy` (`ehr proxy register --node`). Fails with 1020
	/// when the node has no proxy account.
	#[method(name = "proxyAccountConsent", with_extensions)]
	fn proxy_account_consent(&self, hospital: AccountId32) -> RpcResult<ProxyAccountConsentResponse>;
}

#[cfg(test)]
mod tests {
	use super::*;

	/// docs/rpc.md documents every method and every error code defined here.
	#[test]
	fn the_rpc_document_covers_the_interface() {
		let doc = include_str!("../../docs/rpc.md");
		for method in METHODS {
			assert!(doc.contains(&format!("## `{method}(")), "docs/rpc.md lacks a section for {method}");
		}
		for error in EhrRpcError::examples() {
			let (code, _) = error.code_and_message();
			assert!(doc.contains(&format!("| {code} |")), "docs/rpc.md lacks error code {code}");
		}
	}

	/// The status reads as docs/rpc.md shows it: camelCase fields, SS58 accounts.
	#[test]
	fn status_is_camel_case_json() {
		let status = EhrStatus {
			proxy_account: None,
			hospital: Some(AccountId32::new([1; 32])),
			proxy_public_key: None,
			open_requests: 2,
			cfrags_submitted: 3,
			cfrags_failed: 0,
			blob_count: 1,
			blob_bytes: 10,
			blobs_quarantined: 0,
			blob_max_bytes: 100,
			http_port: Some(9980),
		};
		let json = serde_json::to_value(&status).expect("serializes");
		assert_eq!(json["openRequests"], 2);
		assert!(json["hospital"].as_str().expect("an SS58 text").starts_with('5'));
		assert_eq!(serde_json::from_value::<EhrStatus>(json).expect("reads back"), status);
	}
}
