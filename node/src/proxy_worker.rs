//! The proxy worker: follows the best chain and, for every open request that
//! names this hospital, decrypts its kfrag, verifies it, re-encrypts the
//! record's capsule and submits the cfrag from the node's proxy account.
//! Also keeps the blob store tidy (retired records' bodies, orphan uploads).
//!
//! Idempotent across restarts and re-orgs: a request whose cfrags already
//! hold this hospital's is skipped, and each submission is journaled (fsynced)
//! so a restarted node does not submit again unless the cfrag failed to
//! reach the chain within [`RESUBMIT_AFTER_BLOCKS`].

use crate::{blob_store::BlobStore, metrics::EhrMetrics, service::FullClient, tx::Submitter};
use ehr_primitives::{umbral_codec, AccessRequest, CfragBytes, EhrApi, RequestId};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber, EhrCall};
use futures::StreamExt;
use parking_lot::Mutex;
use sc_client_api::BlockchainEvents;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_runtime::traits::Header as _;
use std::{
	collections::HashMap,
	fs::{self, OpenOptions},
	io::Write,
	path::PathBuf,
	sync::Arc,
	time::{Duration, Instant, SystemTime},
};
use umbral_pre::{SecretKey, VerifiedKeyFrag};

/// The node's transaction submitter.
pub type NodeSubmitter = Submitter<FullClient, sc_transaction_pool::TransactionPoolHandle<Block, FullClient>>;

/// Blocks after which a journaled cfrag that is still not on chain is submitted again.
pub const RESUBMIT_AFTER_BLOCKS: BlockNumber = 10;

const LOG_TARGET: &str = "ehr-proxy";

type Hash = sp_core::H256;

/// The hospital whose proxy `account` is a node account of, at block `at`.
pub fn hospital_of(client: &FullClient, at: Hash, account: &AccountId) -> Result<Option<AccountId>, String> {
	let proxies = client.runtime_api().proxies(at).map_err(|e| format!("cannot read the proxies: {e}"))?;
	Ok(proxies.into_iter().find(|(_, proxy)| proxy.accounts.contains(account)).map(|(hospital, _)| hospital))
}

/// Request ids this proxy submitted a cfrag for, with the block it did so
/// at, kept in an append-only file.
pub struct Journal {
	path: PathBuf,
	entries: Mutex<HashMap<RequestId, BlockNumber>>,
}

impl Journal {
	/// Loads the journal at `path` (an absent file is an empty journal).
	pub fn open(path: PathBuf) -> Self {
		let mut entries = HashMap::new();
		if let Ok(text) = fs::read_to_string(&path) {
			for line in text.lines() {
				let mut parts = line.split_whitespace();
				if let (Some(Ok(id)), Some(Ok(block))) =
					(parts.next().map(str::parse::<RequestId>), parts.next().map(str::parse::<BlockNumber>))
				{
					entries.insert(id, block);
				}
			}
		}
		Journal { path, entries: Mutex::new(entries) }
	}

	/// The block at which a cfrag for `request` was last submitted.
	pub fn submitted_at(&self, request: RequestId) -> Option<BlockNumber> {
		self.entries.lock().get(&request).copied()
	}

	/// Records a submission durably.
	pub fn record(&self, request: RequestId, block: BlockNumber) -> std::io::Result<()> {
		let mut file = OpenOptions::new().create(true).append(true).open(&self.path)?;
		writeln!(file, "{request} {block}")?;
		file.sync_all()?;
		self.entries.lock().insert(request, block);
		Ok(())
	}
}

/// The proxy worker of one node.
pub struct ProxyWorker {
	/// The chain client.
	pub client: Arc<FullClient>,
	/// Signs and submits cfrags with the node's proxy account.
	pub submitter: Arc<NodeSubmitter>,
	/// The proxy's Umbral secret key (kfrags are encrypted to its public key).
	pub secret: SecretKey,
	/// Submissions already made.
	pub journal: Journal,
	/// Metrics.
	pub metrics: EhrMetrics,
	/// Verified kfrags by grant, so each is decrypted and verified once.
	pub kfrags: Mutex<HashMap<ehr_primitives::GrantId, VerifiedKeyFrag>>,
}

impl ProxyWorker {
	/// Runs for as long as the node imports blocks.
	pub async fn run(self) {
		let mut blocks = self.client.import_notification_stream();
		while let Some(block) = blocks.next().await {
			if !block.is_new_best {
				continue;
			}
			if let Err(error) = self.on_best_block(block.hash, *block.header.number()).await {
				log::warn!(target: LOG_TARGET, "{error}; will retry at the next block");
			}
		}
	}

	async fn on_best_block(&self, at: Hash, number: BlockNumber) -> Result<(), String> {
		let me = self.submitter.account();
		let Some(hospital) = hospital_of(&self.client, at, &me)? else {
			self.metrics.open_requests.set(0);
			return Ok(());
		};
		let open = self
			.client
			.runtime_api()
			.open_requests_for_proxy(at, hospital.clone())
			.map_err(|e| format!("cannot read the open requests: {e}"))?;
		self.metrics.open_requests.set(open.len() as u64);
		for (id, request) in open {
			if request.cfrags.iter().any(|c| c.hospital == hospital) {
				continue;
			}
			if let Some(done) = self.journal.submitted_at(id) {
				if number < done.saturating_add(RESUBMIT_AFTER_BLOCKS) {
					continue;
				}
			}
			let started = Instant::now();
			let cfrag = match self.reencrypt(at, &hospital, &request) {
				Ok(cfrag) => cfrag,
				Err(error) => {
					self.metrics.cfrags.with_label_values(&["failed"]).inc();
					log::warn!(target: LOG_TARGET, "request {id}: {error}");
					continue;
				},
			};
			self.metrics.reencryption_seconds.observe(started.elapsed().as_secs_f64());
			match self.submitter.submit(EhrCall::submit_cfrag { request: id, cfrag }.into()).await {
				Ok(_) => {
					self.metrics.cfrags.with_label_values(&["submitted"]).inc();
					if let Err(error) = self.journal.record(id, number) {
						log::warn!(target: LOG_TARGET, "cannot journal the cfrag of request {id}: {error}");
					}
					log::info!(target: LOG_TARGET, "submitted the cfrag for request {id}");
				},
				Err(error) => {
					self.metrics.cfrags.with_label_values(&["failed"]).inc();
					log::warn!(target: LOG_TARGET, "request {id}: {error}");
				},
			}
		}
		Ok(())
	}

	/// The cfrag this proxy delivers for `request`, after checking that the
	/// grant is live and covers the record. The grant's kfrag is decrypted
	/// and verified once, then kept for the grant's later requests.
	fn reencrypt(
		&self,
		at: Hash,
		hospital: &AccountId,
		request: &AccessRequest<AccountId, BlockNumber>,
	) -> Result<CfragBytes, String> {
		let api = self.client.runtime_api();
		let read = |e: sp_api::ApiError| format!("cannot read chain state: {e}");
		if !api.grant_covers(at, request.grant, request.record).map_err(read)? {
			return Err("the grant is revoked, expired or does not cover the record; nothing re-encrypted".into());
		}
		let record = api.record(at, request.record).map_err(read)?.ok_or("the record is gone")?;
		let cached = self.kfrags.lock().get(&request.grant).cloned();
		let kfrag = match cached {
			Some(kfrag) => kfrag,
			None => {
				let grant = api.grant(at, request.grant).map_err(read)?.ok_or("the grant is gone")?;
				let patient =
					api.patient(at, grant.patient.clone()).map_err(read)?.ok_or("the patient is not registered")?;
				let grantee_key = match api.provider(at, grant.grantee.clone()).map_err(read)? {
					Some(provider) => provider.public_key,
					None => {
						api.patient(at, grant.grantee.clone())
							.map_err(read)?
							.ok_or("the grantee is not registered")?
							.public_key
					},
				};
				let sealed = &grant
					.proxies
					.iter()
					.find(|p| &p.hospital == hospital)
					.ok_or("this hospital is not a proxy of the grant")?
					.encrypted_kfrag;
				let kfrag =
					open_kfrag(&self.secret, sealed, &patient.verifying_key, &patient.public_key, &grantee_key)?;
				let mut cache = self.kfrags.lock();
				if cache.len() >= KFRAG_CACHE_SIZE {
					cache.clear();
				}
				cache.insert(request.grant, kfrag.clone());
				kfrag
			},
		};
		reencrypt_capsule(&record.capsule, kfrag)
	}
}

/// Grants whose verified kfrag a proxy keeps in memory.
pub const KFRAG_CACHE_SIZE: usize = 4096;

/// Decrypts a kfrag sealed to this proxy and verifies that the patient
/// signed it for the patient's key and the grantee's key.
pub fn open_kfrag(
	secret: &SecretKey,
	sealed: &[u8],
	patient_verifying_key: &[u8],
	patient_public_key: &[u8],
	grantee_public_key: &[u8],
) -> Result<VerifiedKeyFrag, String> {
	let malformed = |what: &str| format!("the grant's {what} is malformed");
	let sealed: umbral_codec::Sealed = umbral_codec::decode(sealed).map_err(|_| malformed("sealed kfrag"))?;
	let kfrag_bytes = umbral_pre::decrypt_original(secret, &sealed.capsule, &sealed.ciphertext)
		.map_err(|_| "the kfrag was not encrypted to this proxy's key".to_string())?;
	let kfrag = umbral_codec::decode_kfrag(&kfrag_bytes).map_err(|_| malformed("kfrag"))?;
	let verifying = umbral_codec::decode_public_key(patient_verifying_key).map_err(|_| malformed("patient key"))?;
	let delegating = umbral_codec::decode_public_key(patient_public_key).map_err(|_| malformed("patient key"))?;
	let receiving = umbral_codec::decode_public_key(grantee_public_key).map_err(|_| malformed("grantee key"))?;
	kfrag
		.verify(&verifying, Some(&delegating), Some(&receiving))
		.map_err(|_| "the kfrag is not signed by the patient for this grantee".to_string())
}

/// Re-encrypts a record's canonical capsule with a verified kfrag and
/// encodes the cfrag canonically.
pub fn reencrypt_capsule(capsule: &[u8], kfrag: VerifiedKeyFrag) -> Result<CfragBytes, String> {
	let capsule = umbral_codec::decode_capsule(capsule).map_err(|_| "the record's capsule is malformed".to_string())?;
	let cfrag = umbral_pre::reencrypt(&capsule, kfrag).unverify();
	umbral_codec::encode(&cfrag)
		.ok()
		.and_then(|bytes| bytes.try_into().ok())
		.ok_or_else(|| "the cfrag does not encode".into())
}

/// Deletes the bodies of retired records and of uploads no record points at
/// after `orphan_ttl`, judged at the finalized block; runs every `period`.
pub async fn tidy_blob_store(
	client: Arc<FullClient>,
	store: Arc<BlobStore>,
	metrics: EhrMetrics,
	orphan_ttl: Duration,
	period: Duration,
) {
	loop {
		if let Err(error) = tidy_once(&client, &store, &metrics, orphan_ttl) {
			log::warn!(target: LOG_TARGET, "blob store upkeep failed: {error}");
		}
		// futures-timer, not tokio's timer: this task may still be polled
		// while the node's tokio runtime shuts down.
		futures_timer::Delay::new(period).await;
	}
}

/// One pass of [`tidy_blob_store`]; returns how many bodies were deleted.
pub fn tidy_once(
	client: &FullClient,
	store: &BlobStore,
	metrics: &EhrMetrics,
	orphan_ttl: Duration,
) -> Result<usize, String> {
	let at = client.info().finalized_hash;
	let api = client.runtime_api();
	let now = SystemTime::now();
	let mut removed = 0;
	for blob in store.list().map_err(|e| e.to_string())? {
		let record = api.record_by_body_hash(at, blob.hash).map_err(|e| e.to_string())?;
		let delete = match record {
			Some((_, record)) => record.retired_at.is_some(),
			None => now.duration_since(blob.modified).unwrap_or_default() > orphan_ttl,
		};
		if delete {
			store.remove(&blob.hash).map_err(|e| e.to_string())?;
			removed += 1;
			log::info!(target: LOG_TARGET, "deleted body {:?} (retired or orphaned)", blob.hash);
		}
	}
	store.remove_stale_uploads(orphan_ttl).map_err(|e| e.to_string())?;
	let (count, bytes) = store.stats().map_err(|e| e.to_string())?;
	metrics.blob_count.set(count);
	metrics.blob_bytes.set(bytes);
	Ok(removed)
}
