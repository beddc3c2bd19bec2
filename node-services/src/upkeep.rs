//! Blob store upkeep: deletes the bodies of this hospital's records retired
//! longer ago than the retirement grace, and uploads that no record points
//! to, and never anything else.
//!
//! - A body is deleted as retired only when the **finalized** chain holds
//!   its record as retired, the governed retirement grace (30 days by
//!   default) has passed since, counted in finalized blocks, and this
//!   node's hospital is that record's custodian. Until then the record can
//!   be restored and its body is kept. Each custodian's records are
//!   indexed by body hash apart, so another hospital's record with the same
//!   bytes is never taken for this hospital's, and it keeps the body too.
//! - An upload no record points to (at the finalized block or at the best
//!   block) is an orphan. Its age is counted in finalized blocks as well as
//!   in time: it is deleted only once the finalized chain has advanced by
//!   [`ServicesConfig::orphan_ttl_blocks`](crate::ServicesConfig) since this
//!   node first saw it as an orphan, and `orphan_ttl` has passed. A finality
//!   stall of any length therefore deletes nothing, and a record in the best
//!   chain keeps its upload. With the default TTL (one hour, 1,200 blocks)
//!   a record transaction still in the pool has long expired (its lifetime
//!   is 64 blocks) before its upload could be deleted; the node warns when
//!   the TTL is set shorter than that. The clock starts again when the node
//!   restarts.
//! - Unfinished uploads (`uploads/*.part`) follow the same orphan rule.

use crate::{
	blob_store::BlobStore,
	ehr_api::{ehr_api_version, record_with_body},
	membership::{hospital_of, NodeAccount},
	metrics::EhrMetrics,
	retirement::{body_deletable, retirement_grace},
};
use ehr_primitives::EhrApi;
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use std::{
	collections::HashMap,
	sync::Arc,
	time::{Duration, Instant, SystemTime},
};

const LOG_TARGET: &str = "ehr-upkeep";

/// The blob store's upkeep, with its orphan clocks.
pub struct Upkeep<C> {
	client: Arc<C>,
	store: Arc<BlobStore>,
	metrics: EhrMetrics,
	/// The node's proxy account (and pinned hospital): which hospital's
	/// retired bodies it may delete.
	account: Option<NodeAccount>,
	orphan_ttl: Duration,
	orphan_ttl_blocks: BlockNumber,
	/// Clocks of complete uploads and of unfinished ones no record points to.
	complete_orphans: OrphanClocks,
	partial_orphans: OrphanClocks,
}

/// When each orphan was first seen: the finalized number and the time.
type OrphanClocks = HashMap<H256, (BlockNumber, Instant)>;

impl<C> Upkeep<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	/// Upkeep of `store` for the node with proxy `account`; orphans wait
	/// `orphan_ttl` and `orphan_ttl_blocks` finalized blocks.
	pub fn new(
		client: Arc<C>,
		store: Arc<BlobStore>,
		metrics: EhrMetrics,
		account: Option<NodeAccount>,
		orphan_ttl: Duration,
		orphan_ttl_blocks: BlockNumber,
	) -> Self {
		if orphan_ttl_blocks < ehr_primitives::TX_MORTALITY_BLOCKS {
			log::warn!(
				target: LOG_TARGET,
				"the orphan TTL ({orphan_ttl_blocks} blocks) is shorter than a transaction's lifetime ({} blocks): \
				 an upload whose record is still on its way may be deleted; raise --ehr-orphan-ttl-secs",
				ehr_primitives::TX_MORTALITY_BLOCKS
			);
		}
		Upkeep {
			client,
			store,
			metrics,
			account,
			orphan_ttl,
			orphan_ttl_blocks,
			complete_orphans: HashMap::new(),
			partial_orphans: HashMap::new(),
		}
	}

	/// Runs a pass every `period`, for as long as the node runs.
	pub async fn run(mut self, period: Duration) {
		loop {
			if let Err(error) = self.tidy_once().await {
				log::warn!(target: LOG_TARGET, "blob store upkeep failed: {error}");
			}
			// futures-timer, not tokio's timer: this task may still be polled
			// while the node's tokio runtime shuts down.
			futures_timer::Delay::new(period).await;
		}
	}

	/// Whether the orphan `hash`, last changed at `modified`, has waited out
	/// both TTLs at finalized block `number`; if not, its clock (started now
	/// if new) is kept in `next` for the following pass.
	fn orphan_expired(
		&self,
		clocks: &OrphanClocks,
		next: &mut OrphanClocks,
		hash: H256,
		modified: SystemTime,
		number: BlockNumber,
	) -> bool {
		let (seen_at, seen_time) = *clocks.get(&hash).unwrap_or(&(number, Instant::now()));
		let old = SystemTime::now().duration_since(modified).unwrap_or_default() >= self.orphan_ttl;
		let expired =
			old && number.saturating_sub(seen_at) >= self.orphan_ttl_blocks && seen_time.elapsed() >= self.orphan_ttl;
		if !expired {
			next.insert(hash, (seen_at, seen_time));
		}
		expired
	}

	/// One pass; returns how many bodies and unfinished uploads it deleted.
	pub async fn tidy_once(&mut self) -> Result<usize, String> {
		let info = self.client.info();
		let (finalized, number, best) = (info.finalized_hash, info.finalized_number, info.best_hash);
		let hospital = match &self.account {
			Some(account) => hospital_of(&*self.client, finalized, account)?,
			None => None,
		};
		let grace = retirement_grace(&*self.client, finalized)?;
		let client = &*self.client;
		let (finalized_version, best_version) = (ehr_api_version(client, finalized)?, ehr_api_version(client, best)?);
		// Any custodian's record, at the finalized or the best block, keeps a body.
		let referenced = |hash: H256| -> Result<bool, String> {
			Ok(record_with_body(client, finalized, finalized_version, hash, None)?.is_some()
				|| record_with_body(client, best, best_version, hash, None)?.is_some())
		};
		let mut removed = 0;
		let mut orphans = HashMap::new();
		for blob in self.store.list().await.map_err(|e| e.to_string())? {
			let ours = match &hospital {
				Some(hospital) => record_with_body(client, finalized, finalized_version, blob.hash, Some(hospital))?,
				None => None,
			};
			match ours {
				Some((id, record)) => {
					if body_deletable(&record, grace, number) {
						self.store.remove(&blob.hash).await.map_err(|e| e.to_string())?;
						removed += 1;
						log::info!(
							target: LOG_TARGET,
							"deleted the body of record {id} ({:?}): retired, and its retirement grace has passed",
							blob.hash
						);
					} else if record.retired_at.is_some() {
						log::debug!(target: LOG_TARGET, "record {id} is retired: its body is kept for the grace");
					}
				},
				// Another custodian's record with the same bytes, or a record
				// not finalized yet, keeps it too.
				None if referenced(blob.hash)? => {
					log::debug!(target: LOG_TARGET, "body {:?} is not this hospital's record's, but a record points to it: kept", blob.hash);
				},
				None => {
					if self.orphan_expired(&self.complete_orphans, &mut orphans, blob.hash, blob.modified, number) {
						self.store.remove(&blob.hash).await.map_err(|e| e.to_string())?;
						removed += 1;
						log::info!(target: LOG_TARGET, "deleted orphan upload {:?}: no record points to it", blob.hash);
					}
				},
			}
		}
		// Clocks only for orphans still there: bounded by the store's content.
		self.complete_orphans = orphans;

		let mut partial = HashMap::new();
		for (hash, modified) in self.store.list_uploads().map_err(|e| e.to_string())? {
			if referenced(hash)? {
				continue;
			}
			if self.orphan_expired(&self.partial_orphans, &mut partial, hash, modified, number) {
				self.store.remove_upload(&hash).await.map_err(|e| e.to_string())?;
				removed += 1;
			}
		}
		self.partial_orphans = partial;

		let (count, bytes) = self.store.stats();
		self.metrics.blob_count.set(count);
		self.metrics.blob_bytes.set(bytes);
		self.metrics.blobs_quarantined.set(self.store.quarantined());
		Ok(removed)
	}
}
