//! The message a reader signs to fetch a record body from its custodian's
//! node (`ehr_getBlob`). Client and node build it with this one function.

use crate::types::{RecordId, RequestId};
use alloc::vec::Vec;
use codec::Encode;
use sp_core::{crypto::AccountId32, H256};

/// Domain tag that keeps these signatures from being valid anywhere else.
pub const BLOB_READ_CONTEXT: &[u8] = b"ehr-chain:get-blob:v2";

/// How far a signed read's timestamp may be from the node's clock.
pub const BLOB_READ_FRESHNESS_MS: u64 = 60_000;

/// What the reader signs (sr25519, with their account key) to read
/// `length` bytes at `offset` of a body: through a ready `request` (a
/// grantee), or of their own `record` (a patient), on the chain with
/// `genesis`, from the nodes of hospital `custodian` (so that no other
/// hospital's node can replay the read to the custodian), at `timestamp_ms`
/// (milliseconds since the Unix epoch).
pub fn blob_read_message(
	genesis: H256,
	custodian: &AccountId32,
	request: Option<RequestId>,
	record: Option<RecordId>,
	offset: u64,
	length: u32,
	timestamp_ms: u64,
) -> Vec<u8> {
	(BLOB_READ_CONTEXT, genesis, custodian, request, record, offset, length, timestamp_ms).encode()
}

#[cfg(feature = "std")]
pub use wire::{BlobChunk, BlobRead, PutBlobResponse};

/// The JSON shapes of the blob methods (`ehr_putBlob`, `ehr_getBlob`), shared
/// by the node that serves them and the client that calls them.
#[cfg(feature = "std")]
mod wire {
	use super::*;
	use serde::{Deserialize, Serialize};
	use sp_core::{sr25519, Bytes, Pair};

	/// Where an upload stands after `ehr_putBlob`.
	#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
	#[serde(rename_all = "camelCase")]
	pub struct PutBlobResponse {
		/// Whether the body is complete, verified and stored.
		pub complete: bool,
		/// The offset of the next chunk to send (the total size when complete).
		pub next_offset: u64,
	}

	/// A signed read of part of a body (`ehr_getBlob`).
	#[derive(Clone, Debug, Serialize, Deserialize)]
	#[serde(rename_all = "camelCase")]
	pub struct BlobRead {
		/// The custodian hospital whose nodes the read is for (SS58).
		pub custodian: AccountId32,
		/// A ready request of the signer (as grantee).
		pub request: Option<RequestId>,
		/// A record of the signer (as patient).
		pub record: Option<RecordId>,
		/// First byte to read.
		pub offset: u64,
		/// Bytes to read (at most 4 MiB are returned).
		pub length: u32,
		/// The reader's account (SS58).
		pub signer: AccountId32,
		/// When the reader signed, in milliseconds since the Unix epoch.
		pub timestamp_ms: u64,
		/// sr25519 signature over [`blob_read_message`].
		pub signature: Bytes,
	}

	impl BlobRead {
		/// A read of `length` bytes at `offset`, signed by `reader` for the
		/// nodes of `custodian` on the chain with `genesis` at `timestamp_ms`.
		#[allow(clippy::too_many_arguments)]
		pub fn signed(
			genesis: H256,
			custodian: AccountId32,
			request: Option<RequestId>,
			record: Option<RecordId>,
			offset: u64,
			length: u32,
			timestamp_ms: u64,
			reader: &sr25519::Pair,
		) -> BlobRead {
			let message = blob_read_message(genesis, &custodian, request, record, offset, length, timestamp_ms);
			BlobRead {
				custodian,
				request,
				record,
				offset,
				length,
				signer: reader.public().into(),
				timestamp_ms,
				signature: reader.sign(&message).0.to_vec().into(),
			}
		}

		/// Whether the signer signed this read for the chain with `genesis`.
		pub fn signature_is_valid(&self, genesis: H256) -> bool {
			let message = blob_read_message(
				genesis,
				&self.custodian,
				self.request,
				self.record,
				self.offset,
				self.length,
				self.timestamp_ms,
			);
			let Ok(signature) = sr25519::Signature::try_from(&self.signature[..]) else { return false };
			let public = sr25519::Public::from_raw(self.signer.clone().into());
			sr25519::Pair::verify(&signature, &message, &public)
		}
	}

	/// Part of a body.
	#[derive(Clone, Debug, Serialize, Deserialize)]
	#[serde(rename_all = "camelCase")]
	pub struct BlobChunk {
		/// The bytes read.
		pub data: Bytes,
		/// Where they start.
		pub offset: u64,
		/// The body's total size.
		pub total_size: u64,
		/// The body's blake2-256 hash (as on chain).
		pub body_hash: H256,
	}
}
