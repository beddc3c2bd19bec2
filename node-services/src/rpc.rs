//! The node's server of the `ehr_*` JSON-RPC methods, whose interface is
//! defined once in `ehr-rpc-api` (docs/rpc.md lists every method,
//! parameter and error code). Authorization is read from chain state at the
//! best block; the handler is generic over the client it reads through.

use crate::{
	blob_store::{BlobError, BlobStore, PutProgress},
	membership::hospital_of,
	metrics::EhrMetrics,
	tx::SubmitCall,
};
use ehr_primitives::{access, EhrApi, RequestId, RequestStatus};
use ehr_rpc_api::{BlobChunk, BlobRead, EhrRpcApiServer, EhrRpcError, EhrStatus, PutBlobResponse};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber, EhrCall};
use jsonrpsee::{core::RpcResult, types::error::ErrorObjectOwned, Extensions};
use parking_lot::Mutex;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};
use std::{
	collections::{HashSet, VecDeque},
	sync::Arc,
	time::{SystemTime, UNIX_EPOCH},
};

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
pub struct EhrRpc<C> {
	client: Arc<C>,
	store: Arc<BlobStore>,
	submitter: Option<Arc<dyn SubmitCall>>,
	proxy_public_key: Option<String>,
	metrics: EhrMetrics,
	replay: Mutex<ReplayGuard>,
	confirmed: Mutex<HashSet<RequestId>>,
}

impl<C> EhrRpc<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	/// A handler over the node's client, blob store and (if it has a proxy
	/// account) transaction submitter.
	pub fn new(
		client: Arc<C>,
		store: Arc<BlobStore>,
		submitter: Option<Arc<dyn SubmitCall>>,
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
			Some(submitter) => hospital_of(&*self.client, at, &submitter.account()).map_err(EhrRpcError::Internal),
			None => Ok(None),
		}
	}

	/// Checks the signature, freshness (against `now_ms`, the node's clock)
	/// and authorization of `read`; returns the body hash to read and the
	/// request to confirm, if any.
	pub fn authorize(&self, read: &BlobRead, now_ms: u64) -> Result<(H256, Option<RequestId>), EhrRpcError> {
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
impl<C> EhrRpcApiServer for EhrRpc<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
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
		let (body_hash, request) = self.authorize(&read, now_ms()).map_err(|e| self.count(e))?;
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

/// The node's clock in milliseconds since the Unix epoch.
fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}
