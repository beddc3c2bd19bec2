//! The proxy worker: follows the best chain and, for every open request that
//! names this hospital, decrypts its kfrag, verifies it, re-encrypts the
//! record's capsule and submits the cfrag from the node's proxy account.
//!
//! Idempotent across restarts and re-orgs: a request whose cfrags already
//! hold this hospital's is skipped, and each submission is journaled (fsynced)
//! so a restarted node does not submit again unless the cfrag failed to
//! reach the chain within [`RESUBMIT_AFTER_BLOCKS`].

use crate::{
	journal::Journal,
	membership::{hospital_of, open_requests_of, NodeAccount},
	metrics::EhrMetrics,
	tx::SubmitCall,
};
use ehr_primitives::{kfrags, AccessRequest, CfragBytes, EhrApi, GrantId, RequestId};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber, EhrCall};
use futures::StreamExt;
use parking_lot::Mutex;
use sc_client_api::BlockchainEvents;
use schnellru::{ByLength, LruMap};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use sp_runtime::traits::Header as _;
use std::{collections::HashMap, sync::Arc, time::Instant};
use umbral_pre::{SecretKey, VerifiedKeyFrag};

/// Decoded capsules the worker keeps, most recently used first: a capsule is
/// 101 bytes encoded and about as much decoded, so this is well under 2 MiB.
pub const CAPSULE_CACHE_SIZE: u32 = 8192;

/// Record capsules decoded once: umbral-pre checks a capsule's validity
/// proof each time it decodes one, which was a third of a re-encryption's
/// cost (docs/benchmarks.md). Keyed by the capsule's encoding, so a record
/// whose capsule changes (a patient re-keys) is decoded again, and bounded
/// (least recently used goes first).
pub struct CapsuleCache(Mutex<LruMap<Vec<u8>, umbral_pre::Capsule, ByLength>>);

impl CapsuleCache {
	/// An empty cache of at most `capacity` capsules.
	pub fn new(capacity: u32) -> Self {
		CapsuleCache(Mutex::new(LruMap::new(ByLength::new(capacity))))
	}

	/// The decoded capsule of `encoded`, decoding and checking it on a miss.
	/// Fails with [`kfrags::KfragError::Malformed`] when it does not decode.
	pub fn get(&self, encoded: &[u8]) -> Result<umbral_pre::Capsule, kfrags::KfragError> {
		if let Some(capsule) = self.0.lock().get(encoded) {
			return Ok(capsule.clone());
		}
		let capsule = kfrags::decode_capsule(encoded)?;
		self.0.lock().insert(encoded.to_vec(), capsule.clone());
		Ok(capsule)
	}
}

impl Default for CapsuleCache {
	fn default() -> Self {
		CapsuleCache::new(CAPSULE_CACHE_SIZE)
	}
}

/// Blocks after which a journaled cfrag that is still not on chain is submitted again.
pub const RESUBMIT_AFTER_BLOCKS: BlockNumber = 10;

/// Most re-encryptions the worker attempts at one best block: one block's
/// worth of requests (the runtime's `MaxRequestsPerBlock`). The rest wait
/// for the next block, oldest request first, so a flood of requests costs
/// the node a bounded amount of work per block.
pub const MAX_REENCRYPTIONS_PER_BLOCK: usize = 64;

/// Blocks the worker waits before it tries again a request it could not
/// serve (the record retired, the grant not covering it, a chain read that
/// failed).
pub const RETRY_FAILED_AFTER_BLOCKS: BlockNumber = 10;

/// Requests and grants a [`Failures`] remembers.
pub const FAILURE_CACHE_SIZE: u32 = 8192;

/// What the worker could not serve, so that it does not try again at every
/// block: grants whose kfrag sealed to this proxy does not open (or that do
/// not name this proxy), which never change, and requests that failed
/// otherwise, tried again after [`RETRY_FAILED_AFTER_BLOCKS`]. A hostile
/// patient's grants with garbage kfrags therefore cost one attempt each.
pub struct Failures {
	grants: Mutex<LruMap<GrantId, (), ByLength>>,
	requests: Mutex<LruMap<RequestId, BlockNumber, ByLength>>,
}

impl Default for Failures {
	fn default() -> Self {
		Failures {
			grants: Mutex::new(LruMap::new(ByLength::new(FAILURE_CACHE_SIZE))),
			requests: Mutex::new(LruMap::new(ByLength::new(FAILURE_CACHE_SIZE))),
		}
	}
}

impl Failures {
	/// Whether to leave request `id` under `grant` alone at block `number`.
	pub fn skips(&self, id: RequestId, grant: GrantId, number: BlockNumber) -> bool {
		if self.grants.lock().get(&grant).is_some() {
			return true;
		}
		matches!(self.requests.lock().get(&id), Some(failed) if number < failed.saturating_add(RETRY_FAILED_AFTER_BLOCKS))
	}

	/// Remembers that `grant`'s kfrag for this proxy cannot be used.
	pub fn grant_unusable(&self, grant: GrantId) {
		self.grants.lock().insert(grant, ());
	}

	/// Remembers that request `id` failed at block `number`.
	pub fn request_failed(&self, id: RequestId, number: BlockNumber) {
		self.requests.lock().insert(id, number);
	}
}

/// Runs `work`, which blocks on crypto and chain reads, where it holds no
/// async executor thread up: in place of the task on a multi-threaded tokio
/// runtime (the node's), directly anywhere else.
fn off_the_executor<R>(work: impl FnOnce() -> R) -> R {
	match tokio::runtime::Handle::try_current() {
		Ok(handle) if handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
			tokio::task::block_in_place(work)
		},
		_ => work(),
	}
}

/// Grants whose verified kfrag a proxy keeps in memory.
pub const KFRAG_CACHE_SIZE: usize = 4096;

const LOG_TARGET: &str = "ehr-proxy";

/// What the worker does about one open request at a block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
	/// This hospital's cfrag is already on chain.
	AlreadyDelivered,
	/// This node submitted a cfrag recently; it may still be in the pool.
	AwaitingInclusion,
	/// Re-encrypt and submit.
	Reencrypt,
}

/// Whether the proxy of `hospital` should re-encrypt `request` at block
/// `number`, given the journal of its submissions.
pub fn decide(
	hospital: &AccountId,
	request: &AccessRequest<AccountId, BlockNumber>,
	submitted_at: Option<BlockNumber>,
	number: BlockNumber,
) -> Decision {
	if request.cfrags.iter().any(|c| &c.hospital == hospital) {
		return Decision::AlreadyDelivered;
	}
	match submitted_at {
		Some(done) if number < done.saturating_add(RESUBMIT_AFTER_BLOCKS) => Decision::AwaitingInclusion,
		_ => Decision::Reencrypt,
	}
}

/// The proxy worker of one node, generic over the chain client it reads.
pub struct ProxyWorker<C> {
	/// The chain client.
	pub client: Arc<C>,
	/// Signs and submits cfrags with the node's proxy account.
	pub submitter: Arc<dyn SubmitCall>,
	/// The proxy's Umbral secret key (kfrags are encrypted to its public key).
	pub secret: SecretKey,
	/// Submissions already made.
	pub journal: Journal,
	/// Metrics.
	pub metrics: EhrMetrics,
	/// Verified kfrags by grant, so each is decrypted and verified once.
	pub kfrags: Mutex<HashMap<GrantId, VerifiedKeyFrag>>,
	/// Decoded record capsules, so each is decoded and checked once.
	pub capsules: CapsuleCache,
	/// What could not be served, so it is not retried at every block.
	pub failures: Failures,
	/// The only hospital this proxy re-encrypts for (`--ehr-hospital`);
	/// `None`: whichever lists its account.
	pub pinned_hospital: Option<AccountId>,
}

impl<C> ProxyWorker<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	/// Runs for as long as the node imports blocks.
	pub async fn run(self)
	where
		C: BlockchainEvents<Block>,
	{
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

	/// Re-encrypts and submits the open requests of this hospital that
	/// [`decide`] says to, at best block `at` numbered `number`: oldest
	/// first, at most [`MAX_REENCRYPTIONS_PER_BLOCK`] of them, leaving out
	/// what [`Failures`] says to leave alone.
	pub async fn on_best_block(&self, at: H256, number: BlockNumber) -> Result<(), String> {
		let me = NodeAccount::of(&*self.submitter, self.pinned_hospital.clone());
		let Some(hospital) = hospital_of(&*self.client, at, &me)? else {
			self.metrics.open_requests.set(0);
			return Ok(());
		};
		let mut open = open_requests_of(&*self.client, at, &hospital)?;
		self.metrics.open_requests.set(open.len() as u64);
		open.sort_unstable_by_key(|(id, _)| *id);
		let to_serve = open
			.into_iter()
			.filter(|(id, request)| {
				decide(&hospital, request, self.journal.submitted_at(*id), number) == Decision::Reencrypt
					&& !self.failures.skips(*id, request.grant, number)
			})
			.take(MAX_REENCRYPTIONS_PER_BLOCK);
		for (id, request) in to_serve {
			let started = Instant::now();
			let cfrag = match off_the_executor(|| self.reencrypt(at, &hospital, &request)) {
				Ok(cfrag) => cfrag,
				Err(error) => {
					self.failures.request_failed(id, number);
					self.metrics.cfrags.with_label_values(&["failed"]).inc();
					log::warn!(target: LOG_TARGET, "request {id}: {error}; tried again in {RETRY_FAILED_AFTER_BLOCKS} blocks");
					continue;
				},
			};
			self.metrics.reencryption_seconds.observe(started.elapsed().as_secs_f64());
			match self.submitter.submit(EhrCall::submit_cfrag { request: id, cfrag }.into()).await {
				Ok(()) => {
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
	pub fn reencrypt(
		&self,
		at: H256,
		hospital: &AccountId,
		request: &AccessRequest<AccountId, BlockNumber>,
	) -> Result<CfragBytes, String> {
		let api = self.client.runtime_api();
		let read = |e: sp_api::ApiError| format!("cannot read chain state: {e}");
		if !api.grant_covers(at, request.grant, request.record).map_err(read)? {
			return Err("the grant is revoked, expired or does not cover the record; nothing re-encrypted".into());
		}
		let record = api.record(at, request.record).map_err(read)?.ok_or("the record is gone")?;
		if record.retired_at.is_some() {
			return Err("the record is retired; nothing re-encrypted (the chain refuses cfrags for it)".into());
		}
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
				let unusable = |why: String| {
					self.failures.grant_unusable(request.grant);
					format!("{why}; this proxy leaves grant {} alone from now on", request.grant)
				};
				let sealed = &grant
					.proxies
					.iter()
					.find(|p| &p.hospital == hospital)
					.ok_or_else(|| unusable("this hospital is not a proxy of the grant".into()))?
					.encrypted_kfrag;
				let kfrag =
					kfrags::open(&self.secret, sealed, &patient.verifying_key, &patient.public_key, &grantee_key)
						.map_err(|e| unusable(format!("the grant's kfrag for this proxy does not open: {e}")))?;
				let mut cache = self.kfrags.lock();
				if cache.len() >= KFRAG_CACHE_SIZE {
					cache.clear();
				}
				cache.insert(request.grant, kfrag.clone());
				kfrag
			},
		};
		let capsule = self.capsules.get(&record.capsule).map_err(|e| e.to_string())?;
		kfrags::reencrypt_decoded(&capsule, kfrag).map_err(|e| e.to_string())
	}
}

#[cfg(test)]
mod capsule_cache_tests {
	use super::*;
	use ehr_primitives::umbral_codec::encode;

	fn capsule_bytes() -> Vec<u8> {
		let (capsule, _) = umbral_pre::encrypt(&SecretKey::random().public_key(), b"envelope").expect("encrypts");
		encode(&capsule).expect("encodes")
	}

	#[test]
	fn a_capsule_is_decoded_once_kept_within_the_bound_and_a_bad_one_refused() {
		let cache = CapsuleCache::new(2);
		let (a, b, c) = (capsule_bytes(), capsule_bytes(), capsule_bytes());
		let decoded = cache.get(&a).expect("decodes");
		assert_eq!(encode(&decoded).expect("encodes"), a, "the cached capsule is the record's");
		cache.get(&b).expect("decodes");
		cache.get(&c).expect("decodes");
		assert_eq!(cache.0.lock().len(), 2, "the cache keeps at most its capacity");
		assert!(cache.0.lock().peek(&a).is_none(), "the least recently used capsule went first");
		let mut damaged = b.clone();
		damaged[5] ^= 0xFF;
		assert!(matches!(cache.get(&damaged), Err(kfrags::KfragError::Malformed(_))));
		assert!(cache.0.lock().peek(&damaged).is_none(), "a bad capsule is not kept");
	}
}
