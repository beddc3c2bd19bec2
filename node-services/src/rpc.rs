//! The node's server of the `ehr_*` JSON-RPC methods, whose interface is
//! defined once in `ehr-rpc-api` (docs/rpc.md lists every method,
//! parameter and error code). Authorization is read from chain state at the
//! best block; the handler is generic over the client it reads through.
//!
//! `ehr_getBlob` is public on a validator, so each call's cost is bounded
//! before any signature is trusted: the timestamp and the named custodian
//! first (the node's hospital comes from a cache refreshed once per best
//! block), then the signature, then the replay guard, and only then the
//! runtime lookups. File reads and hashing run on blocking threads, off the
//! async executor, and each signer has at most [`READS_PER_SIGNER`] reads
//! in progress.

pub use crate::audit_trail::AuditTrail;
use crate::{
	audit_trail::{AuditTrails, CONFIRM_MARGIN_BLOCKS},
	blob_store::{BlobError, BlobStore, PutProgress},
	membership::{HospitalCache, NodeAccount},
	metrics::EhrMetrics,
	tx::SubmitCall,
};
use ehr_primitives::{access, EhrApi, ProxyAccountConsent, RequestStatus};
use ehr_rpc_api::{
	BlobChunk, BlobRead, EhrRpcApiServer, EhrRpcError, EhrStatus, ProxyAccountConsentResponse, PutBlobResponse,
};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use jsonrpsee::{core::RpcResult, types::error::ErrorObjectOwned, Extensions};
use parking_lot::Mutex;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::{Bytes, H256};
use std::{
	collections::{HashMap, HashSet, VecDeque},
	sync::Arc,
	time::{SystemTime, UNIX_EPOCH},
};

/// Reads one signer may have in progress at once.
pub const READS_PER_SIGNER: usize = 4;

/// Signatures the replay guard holds at most (a minute of reads at more
/// than 1,000 per second); when full, reads are refused, not forgotten.
pub const REPLAY_GUARD_CAPACITY: usize = 65_536;

/// Signatures of one signer the replay guard holds at most: 4,096 reads in
/// two minutes (16 GiB in 4 MiB reads, far more than any body), so that at
/// least 16 authorized identities would be needed to fill the guard.
pub const REPLAY_GUARD_PER_SIGNER: usize = 4096;

impl From<BlobError> for EhrRpcError {
	fn from(error: BlobError) -> Self {
		match error {
			BlobError::TooLarge { .. } => EhrRpcError::TooLarge(error.to_string()),
			BlobError::WrongOffset { expected } => EhrRpcError::WrongOffset(expected),
			BlobError::HashMismatch => EhrRpcError::HashMismatch,
			BlobError::NotFound => EhrRpcError::BodyNotFound,
			BlobError::Corrupt => EhrRpcError::BodyCorrupt,
			BlobError::PastEnd | BlobError::RangeOutOfBounds { .. } => EhrRpcError::BadRange(error.to_string()),
			BlobError::Changed | BlobError::Storage(_) => EhrRpcError::Internal(error.to_string()),
			BlobError::Io(e) => EhrRpcError::Internal(e.to_string()),
		}
	}
}

/// Signatures already served, kept for twice the freshness window. Only
/// reads that passed authorization are remembered, so signatures of
/// strangers (any key is free) cannot fill the guard, and each signer may
/// hold at most [`REPLAY_GUARD_PER_SIGNER`] of its places.
struct ReplayGuard {
	seen: HashSet<Vec<u8>>,
	order: VecDeque<(u64, Vec<u8>, AccountId)>,
	by_signer: HashMap<AccountId, usize>,
	capacity: usize,
	per_signer: usize,
}

impl ReplayGuard {
	fn new(capacity: usize, per_signer: usize) -> Self {
		ReplayGuard { seen: HashSet::new(), order: VecDeque::new(), by_signer: HashMap::new(), capacity, per_signer }
	}

	/// Forgets the signatures older than twice the freshness window at `now_ms`.
	fn expire(&mut self, now_ms: u64) {
		while let Some((at, _, _)) = self.order.front() {
			if now_ms.saturating_sub(*at) <= 2 * access::BLOB_READ_FRESHNESS_MS {
				break;
			}
			if let Some((_, old, signer)) = self.order.pop_front() {
				self.seen.remove(&old);
				if let Some(count) = self.by_signer.get_mut(&signer) {
					*count = count.saturating_sub(1);
					if *count == 0 {
						self.by_signer.remove(&signer);
					}
				}
			}
		}
	}

	/// Whether `signature` was served already (a cheap early refusal).
	fn served(&self, signature: &[u8]) -> bool {
		self.seen.contains(signature)
	}

	/// Accepts the authorized read of `signer` with `signature` once at
	/// `now_ms`, unless the guard or the signer's share of it is full.
	fn accept(&mut self, signature: &[u8], signer: &AccountId, now_ms: u64) -> Result<(), EhrRpcError> {
		self.expire(now_ms);
		if self.seen.contains(signature) {
			return Err(EhrRpcError::ReplayedSignature);
		}
		let held = self.by_signer.get(signer).copied().unwrap_or(0);
		if self.seen.len() >= self.capacity || held >= self.per_signer {
			return Err(EhrRpcError::TooManyReads);
		}
		self.seen.insert(signature.to_vec());
		self.order.push_back((now_ms, signature.to_vec(), signer.clone()));
		self.by_signer.insert(signer.clone(), held + 1);
		Ok(())
	}
}

/// Reads in progress by signer.
#[derive(Default)]
struct ReadsInProgress {
	by_signer: Mutex<HashMap<AccountId, usize>>,
}

/// One read in progress; ends when dropped (for a streamed HTTP body, when
/// the stream ends or the reader goes away).
pub struct ReadSlot {
	reads: Arc<ReadsInProgress>,
	signer: AccountId,
}

impl ReadsInProgress {
	/// A slot for one more read of `signer`, unless it has [`READS_PER_SIGNER`].
	fn acquire(self: &Arc<Self>, signer: &AccountId) -> Option<ReadSlot> {
		let mut counts = self.by_signer.lock();
		let count = counts.entry(signer.clone()).or_insert(0);
		if *count >= READS_PER_SIGNER {
			return None;
		}
		*count += 1;
		Some(ReadSlot { reads: self.clone(), signer: signer.clone() })
	}
}

impl Drop for ReadSlot {
	fn drop(&mut self) {
		let mut counts = self.reads.by_signer.lock();
		if let Some(count) = counts.get_mut(&self.signer) {
			*count = count.saturating_sub(1);
			if *count == 0 {
				counts.remove(&self.signer);
			}
		}
	}
}

/// The `ehr_*` RPC handler of one node. Clones share its state (replay
/// guard, reads in progress, audit-trail submissions), so the JSON-RPC
/// server and the HTTP body server (crate::http) authorize and log reads
/// as one.
pub struct EhrRpc<C> {
	client: Arc<C>,
	store: Arc<BlobStore>,
	submitter: Option<Arc<dyn SubmitCall>>,
	proxy_public_key: Option<String>,
	/// The port of the HTTP body server, when it runs.
	http_port: Option<u16>,
	metrics: EhrMetrics,
	hospital: Arc<HospitalCache>,
	/// When this handler started: reads signed before are refused, so a read
	/// seen before a restart cannot be replayed after it.
	started_ms: u64,
	replay: Arc<Mutex<ReplayGuard>>,
	reads: Arc<ReadsInProgress>,
	/// The audit entries of the reads served, and those under way.
	trails: AuditTrails,
}

impl<C> Clone for EhrRpc<C> {
	fn clone(&self) -> Self {
		EhrRpc {
			client: self.client.clone(),
			store: self.store.clone(),
			submitter: self.submitter.clone(),
			proxy_public_key: self.proxy_public_key.clone(),
			http_port: self.http_port,
			metrics: self.metrics.clone(),
			hospital: self.hospital.clone(),
			started_ms: self.started_ms,
			replay: self.replay.clone(),
			reads: self.reads.clone(),
			trails: self.trails.clone(),
		}
	}
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
		Self::started_at(client, store, submitter, proxy_public_key, metrics, now_ms())
	}

	/// [`Self::new`] as if started at `started_ms` (for tests).
	pub fn started_at(
		client: Arc<C>,
		store: Arc<BlobStore>,
		submitter: Option<Arc<dyn SubmitCall>>,
		proxy_public_key: Option<String>,
		metrics: EhrMetrics,
		started_ms: u64,
	) -> Self {
		EhrRpc {
			client,
			store,
			hospital: Arc::new(HospitalCache::new(submitter.as_deref().map(|s| NodeAccount::of(s, None)))),
			submitter,
			proxy_public_key,
			http_port: None,
			metrics,
			started_ms,
			replay: Arc::new(Mutex::new(ReplayGuard::new(REPLAY_GUARD_CAPACITY, REPLAY_GUARD_PER_SIGNER))),
			reads: Arc::new(ReadsInProgress::default()),
			trails: AuditTrails::default(),
		}
	}

	/// The same handler, acting only for `hospital` (`--ehr-hospital`):
	/// another hospital that lists the node's account gets no reads served.
	pub fn with_pinned_hospital(mut self, hospital: Option<AccountId>) -> Self {
		self.hospital = Arc::new(HospitalCache::new(self.submitter.as_deref().map(|s| NodeAccount::of(s, hospital))));
		self
	}

	/// The same handler, reporting in `ehr_status` that the HTTP body server
	/// listens on `port`.
	pub fn with_http_port(mut self, port: u16) -> Self {
		self.http_port = Some(port);
		self
	}

	/// The blob store the handler reads from.
	pub fn store(&self) -> &Arc<BlobStore> {
		&self.store
	}

	/// Counts `error` in the metrics (and the store's quarantine, for a
	/// corrupt body) and returns it as a JSON-RPC error object.
	pub fn count(&self, error: EhrRpcError) -> ErrorObjectOwned {
		self.metrics.rpc_errors.with_label_values(&[error.kind()]).inc();
		if error == EhrRpcError::BodyCorrupt {
			self.metrics.blobs_quarantined.set(self.store.quarantined());
		}
		error.into()
	}

	fn hospital(&self, at: H256) -> Result<Option<AccountId>, EhrRpcError> {
		self.hospital.hospital(&*self.client, at).map_err(EhrRpcError::Internal)
	}

	/// Checks the freshness (against `now_ms`, the node's clock), target,
	/// custodian, signature and authorization of `read`, cheapest first;
	/// returns the body hash to read and how the read goes on the audit trail.
	pub fn authorize(&self, read: &BlobRead, now_ms: u64) -> Result<(H256, AuditTrail), EhrRpcError> {
		if now_ms.abs_diff(read.timestamp_ms) > access::BLOB_READ_FRESHNESS_MS || read.timestamp_ms < self.started_ms {
			return Err(EhrRpcError::StaleSignature);
		}
		if read.request.is_some() == read.record.is_some() {
			return Err(EhrRpcError::BadTarget);
		}
		let info = self.client.info();
		let at = info.best_hash;
		let hospital = self.hospital(at)?.ok_or(EhrRpcError::NotConfigured)?;
		if read.custodian != hospital {
			return Err(EhrRpcError::NotCustodian);
		}
		if self.replay.lock().served(&read.signature) {
			return Err(EhrRpcError::ReplayedSignature);
		}
		if !read.signature_is_valid(info.genesis_hash) {
			return Err(EhrRpcError::BadSignature);
		}
		let authorized = self.authorized_target(read, at, info.best_number, &hospital)?;
		self.replay.lock().accept(&read.signature, &read.signer, now_ms)?;
		Ok(authorized)
	}

	/// The body and audit trail of a read whose signature verified, if the
	/// chain at `at` (numbered `best_number`) lets the signer read it here.
	fn authorized_target(
		&self,
		read: &BlobRead,
		at: H256,
		best_number: BlockNumber,
		hospital: &AccountId,
	) -> Result<(H256, AuditTrail), EhrRpcError> {
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
				// fetch confirmation, so serving would leave no audit entry;
				// the confirmation of a read must still land within it.
				if best_number.saturating_add(CONFIRM_MARGIN_BLOCKS) > request.expires_at {
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
				if &record.custodian != hospital {
					return Err(EhrRpcError::NotCustodian);
				}
				Ok((record.body_hash, AuditTrail::Request { id, logged: request.fetches > 0 }))
			},
			_ => {
				let id = read.record.ok_or(EhrRpcError::BadTarget)?;
				let record = api.record(at, id).map_err(chain)?.ok_or(EhrRpcError::UnknownTarget)?;
				if record.patient != read.signer {
					return Err(EhrRpcError::NotAuthorized(
						"only the record's patient may read it without a request".into(),
					));
				}
				// A retired record's body is the patient's to read while the
				// retirement can still be undone; after that it may be gone.
				if record.retired_at.is_some() {
					let grace =
						crate::retirement::retirement_grace(&*self.client, at).map_err(EhrRpcError::Internal)?;
					if grace.is_none() || crate::retirement::body_deletable(&record, grace, best_number) {
						return Err(EhrRpcError::NotAuthorized(
							"the record was retired and its retirement grace has passed; its body may be deleted"
								.into(),
						));
					}
				}
				if &record.custodian != hospital {
					return Err(EhrRpcError::NotCustodian);
				}
				Ok((record.body_hash, AuditTrail::PatientRead(id)))
			},
		}
	}

	/// A slot for one more read of `signer` in progress, or
	/// `TooManyReads` when the signer has [`READS_PER_SIGNER`] already.
	pub fn read_slot(&self, signer: &AccountId) -> Result<ReadSlot, EhrRpcError> {
		self.reads.acquire(signer).ok_or(EhrRpcError::TooManyReads)
	}

	/// Puts the read on the patient's audit trail before it is served
	/// ([`AuditTrails::log`]): fails, so that nothing is served, when the
	/// entry's transaction cannot be put in the pool; concurrent reads of one
	/// trail wait for one submission and share its outcome.
	pub async fn log_read(&self, trail: AuditTrail) -> Result<(), EhrRpcError> {
		let submitter = self.submitter.as_ref().ok_or(EhrRpcError::NotConfigured)?;
		self.trails.log(submitter, trail).await.map_err(|error| {
			log::warn!(target: "ehr-rpc", "cannot log the read ({trail:?}) on chain: {error}");
			EhrRpcError::Internal(format!(
				"the read cannot be logged on chain right now ({error}); nothing was served, try again"
			))
		})
	}
}

#[jsonrpsee::core::async_trait]
impl<C> EhrRpcApiServer for EhrRpc<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	async fn put_blob(
		&self,
		ext: &Extensions,
		body_hash: H256,
		total_size: u64,
		offset: u64,
		data: Bytes,
	) -> RpcResult<PutBlobResponse> {
		sc_rpc_api::check_if_safe(ext)?;
		let progress =
			self.store.put_chunk(body_hash, total_size, offset, data.0).await.map_err(|e| self.count(e.into()))?;
		match progress {
			PutProgress::Complete => {
				let (count, bytes) = self.store.stats();
				self.metrics.blob_count.set(count);
				self.metrics.blob_bytes.set(bytes);
				Ok(PutBlobResponse { complete: true, next_offset: total_size })
			},
			PutProgress::Partial { next_offset } => Ok(PutBlobResponse { complete: false, next_offset }),
		}
	}

	async fn get_blob(&self, read: BlobRead) -> RpcResult<BlobChunk> {
		let (body_hash, trail) = self.authorize(&read, now_ms()).map_err(|e| self.count(e))?;
		let _slot = self.read_slot(&read.signer).map_err(|e| self.count(e))?;
		let (data, total_size) =
			self.store.read_range(&body_hash, read.offset, read.length).await.map_err(|e| self.count(e.into()))?;
		self.log_read(trail).await.map_err(|e| self.count(e))?;
		Ok(BlobChunk { data: data.into(), offset: read.offset, total_size, body_hash })
	}

	fn proxy_account_consent(&self, ext: &Extensions, hospital: AccountId) -> RpcResult<ProxyAccountConsentResponse> {
		sc_rpc_api::check_if_safe(ext)?;
		let submitter = self.submitter.as_ref().ok_or_else(|| self.count(EhrRpcError::NoProxyAccount))?;
		let genesis_hash = self.client.info().genesis_hash;
		let account = submitter.account();
		let consent = ProxyAccountConsent { genesis_hash, hospital, account: account.clone() };
		let signature =
			submitter.sign_statement(&consent.signing_payload()).map_err(|e| self.count(EhrRpcError::Internal(e)))?;
		Ok(ProxyAccountConsentResponse { account, signature: signature.to_vec().into() })
	}

	fn status(&self) -> RpcResult<EhrStatus> {
		let at = self.client.info().best_hash;
		let hospital = self.hospital(at).map_err(|e| self.count(e))?;
		let (blob_count, blob_bytes) = self.store.stats();
		Ok(EhrStatus {
			proxy_account: self.submitter.as_ref().map(|s| s.account()),
			hospital,
			proxy_public_key: self.proxy_public_key.clone(),
			// The proxy worker's count at the best block it last saw: no
			// chain read here, whatever the number of open requests.
			open_requests: self.metrics.open_requests.get(),
			cfrags_submitted: self.metrics.cfrags_submitted(),
			cfrags_failed: self.metrics.cfrags_failed(),
			blob_count,
			blob_bytes,
			blobs_quarantined: self.store.quarantined(),
			blob_max_bytes: self.store.max_size(),
			http_port: self.http_port,
		})
	}
}

/// The node's clock in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_replay_guard_refuses_repeats_and_refuses_rather_than_forgets_when_full() {
		let (a, b, c) = (AccountId::new([1; 32]), AccountId::new([2; 32]), AccountId::new([3; 32]));
		let mut guard = ReplayGuard::new(3, 2);
		assert_eq!(guard.accept(b"one", &a, 0), Ok(()));
		assert!(guard.served(b"one"));
		assert_eq!(guard.accept(b"one", &a, 1), Err(EhrRpcError::ReplayedSignature));
		assert_eq!(guard.accept(b"two", &a, 1), Ok(()));
		assert_eq!(guard.accept(b"three", &a, 1), Err(EhrRpcError::TooManyReads), "a's share is full");
		assert_eq!(guard.accept(b"three", &b, 1), Ok(()), "others are not held up by a");
		assert_eq!(guard.accept(b"four", &c, 2), Err(EhrRpcError::TooManyReads), "the guard is full");
		// Past twice the freshness window the old signatures are dropped
		// (a read that old is refused as stale before it gets here).
		assert_eq!(guard.accept(b"four", &c, 2 * access::BLOB_READ_FRESHNESS_MS + 5), Ok(()));
		assert_eq!(guard.by_signer.len(), 1, "signers with nothing held are forgotten");
	}

	#[test]
	fn a_signer_has_a_bounded_number_of_reads_in_progress() {
		let reads = Arc::new(ReadsInProgress::default());
		let signer = AccountId::new([1; 32]);
		let slots: Vec<_> = (0..READS_PER_SIGNER).map(|_| reads.acquire(&signer).expect("a slot")).collect();
		assert!(reads.acquire(&signer).is_none());
		assert!(reads.acquire(&AccountId::new([2; 32])).is_some(), "other signers are not held up");
		drop(slots);
		assert!(reads.acquire(&signer).is_some());
		assert!(reads.by_signer.lock().len() <= 1, "finished signers are forgotten");
	}
}
