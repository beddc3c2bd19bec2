//! The message a reader signs to fetch a record body from its custodian's
//! node (`ehr_getBlob`). Client and node build it with this one function.

use crate::types::{RecordId, RequestId};
use alloc::vec::Vec;
use codec::Encode;
use sp_core::H256;

/// Domain tag that keeps these signatures from being valid anywhere else.
pub const BLOB_READ_CONTEXT: &[u8] = b"ehr-chain:get-blob:v1";

/// How far a signed read's timestamp may be from the node's clock.
pub const BLOB_READ_FRESHNESS_MS: u64 = 60_000;

/// What the reader signs (sr25519, with their account key) to read
/// `length` bytes at `offset` of a body: through a ready `request` (a
/// grantee), or of their own `record` (a patient), on the chain with
/// `genesis`, at `timestamp_ms` (milliseconds since the Unix epoch).
pub fn blob_read_message(
	genesis: H256,
	request: Option<RequestId>,
	record: Option<RecordId>,
	offset: u64,
	length: u32,
	timestamp_ms: u64,
) -> Vec<u8> {
	(BLOB_READ_CONTEXT, genesis, request, record, offset, length, timestamp_ms).encode()
}
