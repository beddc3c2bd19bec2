//! Paged listings: what runtime APIs return of the maps that grow with use
//! (a patient's grants, a grantee's grants, a proxy's open requests), a
//! bounded number of ids per call, so that nobody calling the API through
//! any node's `state_call` makes it read an unbounded number of entries.

use crate::pallet::*;
use ehr_primitives::{IdPage, MAX_PAGE_SIZE};
use frame_support::storage::{IterableStorageDoubleMap, StorageDoubleMap};

impl<T: Config> Pallet<T> {
	/// Looks at up to `limit` (capped at [`MAX_PAGE_SIZE`]) ids of index
	/// `M` under `owner`, after id `after` in the index's order, and keeps
	/// those that `entry` finds.
	pub(crate) fn id_page<M, Item>(
		owner: &T::AccountId,
		after: Option<u64>,
		limit: u32,
		entry: impl Fn(u64) -> Option<Item>,
	) -> IdPage<u64, Item>
	where
		M: IterableStorageDoubleMap<T::AccountId, u64, ()> + StorageDoubleMap<T::AccountId, u64, ()>,
	{
		let limit = limit.min(MAX_PAGE_SIZE) as usize;
		let mut ids = match after {
			Some(id) => M::iter_key_prefix_from(owner, M::hashed_key_for(owner, id)),
			None => M::iter_key_prefix(owner),
		};
		let looked_at: alloc::vec::Vec<u64> = ids.by_ref().take(limit).collect();
		let more = looked_at.len() == limit && ids.next().is_some();
		IdPage {
			next_after: if more { looked_at.last().copied() } else { None },
			items: looked_at.into_iter().filter_map(|id| entry(id).map(|item| (id, item))).collect(),
		}
	}
}
