//! The `ehr_*` JSON-RPC methods, merged into the node's RPC server.
//!
//! - `ehr_putBlob`: hospital systems store a record body, chunk by chunk.
//!   An unsafe method: served only where the operator allows unsafe RPC
//!   (the default on the local interface; never with `--rpc-methods safe`),
//!   so nobody outside the hospital can fill its disk.
//! - `ehr_getBlob`: a grantee with a ready request, or the patient, reads a
//!   body by range, signing each read with their account (see
//!   `ehr_primitives::access`). Authorization is read from chain state at
//!   the best block.
//! - `ehr_status`: proxy key, open requests, cfrags, blob store.
//!
//! docs/rpc.md lists every method, parameter and error code.

use crate::{
	blob_store::{BlobError, BlobStore, PutProgress},
	metrics::EhrMetrics,
	proxy_worker::{hospital_of, NodeSubmitter},
	service::FullClient,
};
pub use ehr_primitives::access::{BlobChunk, BlobRead, PutBlobResponse};
use ehr_primitives::{access, EhrApi, RequestId, RequestStatus};
use ehr_runtime::{AccountId, EhrCall};
use jsonrpsee::{
	core::RpcResult,
	proc_macros::rpc,
	types::{error::ErrorObjectOwned, ErrorObject},
	Extensions,
};
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};
use std::{
	collections::{HashSet, VecDeque},
	sync::Arc,
	time::{SystemTime, UNIX_EPOCH},
};

/// Every `ehr_*` error: a code and a sentence that says what to do.
#[derive(Debug)]
pub enum EhrRpcError {
	/// 1001: the body is larger than this node accepts.
	TooLarge(String),
	/// 1002: the chunk does not start where the upload stands.
	WrongOffset(u64),
	/// 1003: the uploaded bytes do not hash to the body hash.
	HashMismatch,
	/// 1004: this node holds no such body.
	BodyNotFound,
	/// 1005: a malformed upload (chunk past the announced size, range past the end).
	BadRange(String),
	/// 1010: the signed timestamp is too far from the node's clock.
	StaleSignature,
	/// 1011: this exact signed read was already served.
	ReplayedSignature,
	/// 1012: the signature does not verify for the signer.
	BadSignature,
	/// 1013: name exactly one of `request` or `record`.
	BadTarget,
	/// 1014: no such request or record.
	UnknownTarget,
	/// 1015: the signer may not read this body.
	NotAuthorized(String),
	/// 1016: the request is not ready yet.
	NotReady,
	/// 1017: this node's hospital does not hold this record.
	NotCustodian,
	/// 1018: this node has no proxy account registered to a hospital.
	NotConfigured,
	/// 1099: an internal error (storage or chain state unavailable).
	Internal(String),
}

impl EhrRpcError {
	/// The error's code and sentence.
	pub fn code_and_message(&self) -> (i32, String) {
		match self {
			EhrRpcError::TooLarge(m) => (1001, m.clone()),
			EhrRpcError::WrongOffset(at) => (1002, format!("the upload stands at byte {at}: resend from that offset")),
			EhrRpcError::HashMismatch => {
				(1003, "the uploaded bytes do not hash to the body hash; the upload was discarded, start again".into())
			},
			EhrRpcError::BodyNotFound => {
				(1004, "this node holds no body with that hash; the custodian must upload it".into())
			},
			EhrRpcError::BadRange(m) => (1005, m.clone()),
			EhrRpcError::StaleSignature => {
				(1010, "the signed timestamp is more than 60 s from the node's clock: sign the read again now".into())
			},
			EhrRpcError::ReplayedSignature => (1011, "this signed read was already used: sign a new one".into()),
			EhrRpcError::BadSignature => {
				(1012, "the signature does not verify for the signer account (sr25519 over the read message)".into())
			},
			EhrRpcError::BadTarget => {
				(1013, "name exactly one of `request` (as grantee) or `record` (as patient)".into())
			},
			EhrRpcError::UnknownTarget => (1014, "no such request or record on chain".into()),
			EhrRpcError::NotAuthorized(m) => (1015, m.clone()),
			EhrRpcError::NotReady => {
				(1016, "the request is not ready: wait until enough proxies delivered cfrags".into())
			},
			EhrRpcError::NotCustodian => {
				(1017, "this hospital's node does not hold this record: ask its custodian's node".into())
			},
			EhrRpcError::NotConfigured => {
				(1018, "this node has no proxy account registered to a hospital: register its proxy first".into())
			},
			EhrRpcError::Internal(m) => (1099, format!("internal error: {m}")),
		}
	}

	/// A short name for metrics.
	pub fn kind(&self) -> &'static str {
		match self {
			EhrRpcError::TooLarge(_) => "too_large",
			EhrRpcError::WrongOffset(_) => "wrong_offset",
			EhrRpcError::HashMismatch => "hash_mismatch",
			EhrRpcError::BodyNotFound => "body_not_found",
			EhrRpcError::BadRange(_) => "bad_range",
			EhrRpcError::StaleSignature => "stale_signature",
			EhrRpcError::ReplayedSignature => "replayed_signature",
			EhrRpcError::BadSignature => "bad_signature",
			EhrRpcError::BadTarget => "bad_target",
			EhrRpcError::UnknownTarget => "unknown_target",
			EhrRpcError::NotAuthorized(_) => "not_authorized",
			EhrRpcError::NotReady => "not_ready",
			EhrRpcError::NotCustodian => "not_custodian",
			EhrRpcError::NotConfigured => "not_configured",
			EhrRpcError::Internal(_) => "internal",
		}
	}
}

impl From<EhrRpcError> for ErrorObjectOwned {
	fn from(error: EhrRpcError) -> Self {
		let (code, message) = error.code_and_message();
		ErrorObject::owned(code, message, None::<()>)
	}
}

impl From<BlobError> for EhrRpcError {
	fn from(error: BlobError) -> Self {
		match error {
			BlobError::TooLarge { .. } => EhrRpcError::TooLarge(error.to_string()),
			BlobError::WrongOffset { expected } => EhrRpcError::WrongOffset(expected),
			BlobError::HashMismatch => EhrRpcError::HashMismatch,
			BlobError::NotFound | BlobError::Corrupt => EhrRpcError::BodyNotFound,
			BlobError::PastEnd | BlobError::RangeOutOfBounds { .. } => EhrRpcError::BadRange(error.to_string()),
			BlobError::Io(e) => EhrRpcError::Internal(e.to_string()),
		}
	}
}

/// What `ehr_status` reports.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EhrStatus {
	/// The node's proxy account, if it has one.
	pub proxy_account: Option<AccountId>,
	/// The hospital that account is registered to, at the best block.
	pub hospital: Option<AccountId>,
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
	/// The largest body this node accepts.
	pub blob_max_bytes: u64,
}

/// The `ehr_*` methods.
#[rpc(server, namespace = "ehr")]
pub trait EhrRpcApi {
	/// Stores `data` at `offset` of the body with hash `body_hash` and size
	/// `total_size`. Hospital systems only (unsafe RPC).
	#[method(name = "putBlob", with_extensions)]
	fn put_blob(&self, body_hash: H256, total_size: u64, offset: u64, data: Bytes) -> RpcResult<PutBlobResponse>;

	/// Reads part of a body, for its patient or the grantee of a ready request.
	#[method(name = "getBlob")]
	async fn get_blob(&self, read: BlobRead) -> RpcResult<BlobChunk>;

	/// The node's EHR services at a glance.
	#[method(name = "status")]
	fn status(&self) -> RpcResult<EhrStatus>;
}

/// Signatures already served, kept for the freshness window.
#[derive(Default)]
struct ReplayGuard {
	seen: HashSet<Vec<u8>>,
	order: VecDeque<(u64, Vec<u8>)>,
}

impl ReplayGuard {
	/// Accepts `signature` made at `timestamp` once; forgets those older than the window.
	fn accept(&mut self, signature: &[u8], now_ms: u64) -> bool {
		while let Some((at, _)) = self.order.front() {
			if now_ms.saturating_sub(*at) <= 2 * access::BLOB_READ_FRESHNESS_MS {
				break;
			}
			if let Some((_, old)) = self.order.pop_front() {
				self.seen.remove(&old);
			}
		}
		if !self.seen.insert(signature.to_vec()) {
			return false;
		}
		self.order.push_back((now_ms, signature.to_vec()));
		true
	}
}

/// The `ehr_*` RPC handler of one node.
pub struct EhrRpc {
	client: Arc<FullClient>,
	store: Arc<BlobStore>,
	submitter: Option<Arc<NodeSubmitter>>,
	proxy_public_key: Option<String>,
	metrics: EhrMetrics,
	replay: Mutex<ReplayGuard>,
	confirmed: Mutex<HashSet<RequestId>>,
}

impl EhrRpc {
	/// A handler over the node's client, blob store and (if it has a proxy
	/// account) transaction submitter.
	pub fn new(
		client: Arc<FullClient>,
		store: Arc<BlobStore>,
		submitter: Option<Arc<NodeSubmitter>>,
		proxy_public_key: Option<String>,
		metrics: EhrMetrics,
	) -> Self {
		EhrRpc {
			client,
			store,
			submitter,
			proxy_public_key,
			metrics,
			replay: Mutex::new(ReplayGuard::default()),
			confirmed: Mutex::new(HashSet::new()),
		}
	}

	fn count(&self, error: EhrRpcError) -> ErrorObjectOwned {
		self.metrics.rpc_errors.with_label_values(&[error.kind()]).inc();
		error.into()
	}

	fn hospital(&self, at: H256) -> Result<Option<AccountId>, EhrRpcError> {
		match &self.submitter {
			Some(submitter) => hospital_of(&self.client, at, &submitter.account()).map_err(EhrRpcError::Internal),
			None => Ok(None),
		}
	}

	/// Checks the signature, freshness and authorization of `read`; returns
	/// the body hash to read and the request to confirm, if any.
	fn authorize(&self, read: &BlobRead) -> Result<(H256, Option<RequestId>), EhrRpcError> {
		let now_ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
		if now_ms.abs_diff(read.timestamp_ms) > access::BLOB_READ_FRESHNESS_MS {
			return Err(EhrRpcError::StaleSignature);
		}
		let info = self.client.info();
		if !read.signature_is_valid(info.genesis_hash) {
			return Err(EhrRpcError::BadSignature);
		}
		if !self.replay.lock().accept(&read.signature, now_ms) {
			return Err(EhrRpcError::ReplayedSignature);
		}

		let at = info.best_hash;
		let hospital = self.hospital(at)?.ok_or(EhrRpcError::NotConfigured)?;
		let api = self.client.runtime_api();
		let chain = |e: sp_api::ApiError| EhrRpcError::Internal(format!("cannot read chain state: {e}"));
		match (read.request, read.record) {
			(Some(id), None) => {
				let request = api.request(at, id).map_err(chain)?.ok_or(EhrRpcError::UnknownTarget)?;
				if request.grantee != read.signer {
					return Err(EhrRpcError::NotAuthorized(
						"only the grantee of the request may read through it".into(),
					));
				}
				if request.status != RequestStatus::Ready {
					return Err(EhrRpcError::NotReady);
				}
				// Past its reading window the chain no longer takes the
				// fetch confirmation, so serving would leave no audit entry.
				if info.best_number > request.expires_at {
					return Err(EhrRpcError::NotAuthorized(
						"the request's reading window has closed; open a new request".into(),
					));
				}
				if !api.grant_covers(at, request.grant, request.record).map_err(chain)? {
					return Err(EhrRpcError::NotAuthorized(
						"the grant is revoked or expired, or no longer covers the record".into(),
					));
				}
				let record = api.record(at, request.record).map_err(chain)?.ok_or(EhrRpcError::UnknownTarget)?;
				if record.custodian != hospital {
					return Err(EhrRpcError::NotCustodian);
				}
				Ok((record.body_hash, Some(id)))
			},
			(None, Some(id)) => {
				let record = api.record(at, id).map_err(chain)?.ok_or(EhrRpcError::UnknownTarget)?;
				if record.patient != read.signer {
					return Err(EhrRpcError::NotAuthorized(
						"only the record's patient may read it without a request".into(),
					));
				}
				if record.retired_at.is_some() {
					return Err(EhrRpcError::NotAuthorized("the record is retired".into()));
				}
				if record.custodian != hospital {
					return Err(EhrRpcError::NotCustodian);
				}
				Ok((record.body_hash, None))
			},
			_ => Err(EhrRpcError::BadTarget),
		}
	}

	/// Logs the served request on chain (`confirm_fetch`), once per request.
	async fn confirm(&self, request: RequestId) {
		let Some(submitter) = &self.submitter else { return };
		if !self.confirmed.lock().insert(request) {
			return;
		}
		if let Err(error) = submitter.submit(EhrCall::confirm_fetch { request }.into()).await {
			self.confirmed.lock().remove(&request);
			log::warn!(target: "ehr-rpc", "cannot confirm the fetch of request {request}: {error}");
		}
	}
}

#[jsonrpsee::core::async_trait]
impl EhrRpcApiServer for EhrRpc {
	fn put_blob(
		&self,
		ext: &Extensions,
		body_hash: H256,
		total_size: u64,
		offset: u64,
		data: Bytes,
	) -> RpcResult<PutBlobResponse> {
		sc_rpc_api::check_if_safe(ext)?;
		match self.store.put_chunk(body_hash, total_size, offset, &data) {
			Ok(PutProgress::Complete) => {
				if let Ok((count, bytes)) = self.store.stats() {
					self.metrics.blob_count.set(count);
					self.metrics.blob_bytes.set(bytes);
				}
				Ok(PutBlobResponse { complete: true, next_offset: total_size })
			},
			Ok(PutProgress::Partial { next_offset }) => Ok(PutBlobResponse { complete: false, next_offset }),
			Err(error) => Err(self.count(error.into())),
		}
	}

	async fn get_blob(&self, read: BlobRead) -> RpcResult<BlobChunk> {
		let (body_hash, request) = self.authorize(&read).map_err(|e| self.count(e))?;
		let (data, total_size) =
			self.store.read_range(&body_hash, read.offset, read.length).map_err(|e| self.count(e.into()))?;
		let end = read.offset.saturating_add(data.len() as u64);
		if let (Some(request), true) = (request, end == total_size) {
			self.confirm(request).await;
		}
		Ok(BlobChunk { data: data.into(), offset: read.offset, total_size, body_hash })
	}

	fn status(&self) -> RpcResult<EhrStatus> {
		let at = self.client.info().best_hash;
		let hospital = self.hospital(at).map_err(|e| self.count(e))?;
		let (blob_count, blob_bytes) =
			self.store.stats().map_err(|e| self.count(EhrRpcError::Internal(e.to_string())))?;
		let open_requests = match &hospital {
			Some(h) => {
				self.client.runtime_api().open_requests_for_proxy(at, h.clone()).map(|r| r.len() as u64).unwrap_or(0)
			},
			None => 0,
		};
		Ok(EhrStatus {
			proxy_account: self.submitter.as_ref().map(|s| s.account()),
			hospital,
			proxy_public_key: self.proxy_public_key.clone(),
			open_requests,
			cfrags_submitted: self.metrics.cfrags_submitted(),
			cfrags_failed: self.metrics.cfrags_failed(),
			blob_count,
			blob_bytes,
			blob_max_bytes: self.store.max_size(),
		})
	}
}
