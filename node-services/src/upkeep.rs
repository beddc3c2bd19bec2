//! Blob store upkeep: deletes the bodies of retired records and uploads that
//! no record points to, judged at the finalized block.

use crate::{blob_store::BlobStore, metrics::EhrMetrics};
use ehr_primitives::EhrApi;
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use std::{
	sync::Arc,
	time::{Duration, SystemTime},
};

const LOG_TARGET: &str = "ehr-upkeep";

/// Deletes the bodies of retired records and of uploads no record points at
/// after `orphan_ttl`, judged at the finalized block; runs every `period`.
pub async fn tidy_blob_store<C>(
	client: Arc<C>,
	store: Arc<BlobStore>,
	metrics: EhrMetrics,
	orphan_ttl: Duration,
	period: Duration,
) where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	loop {
		if let Err(error) = tidy_once(&*client, &store, &metrics, orphan_ttl) {
			log::warn!(target: LOG_TARGET, "blob store upkeep failed: {error}");
		}
		// futures-timer, not tokio's timer: this task may still be polled
		// while the node's tokio runtime shuts down.
		futures_timer::Delay::new(period).await;
	}
}

/// One pass of [`tidy_blob_store`]; returns how many bodies were deleted.
pub fn tidy_once<C>(client: &C, store: &BlobStore, metrics: &EhrMetrics, orphan_ttl: Duration) -> Result<usize, String>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
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
