//! Pruning: finished requests and ended grants leave state after the
//! governed retention; their audit entries stay, since the audit log is the
//! record of what happened.
//!
//! The pruner runs in `on_idle`, with the block's spare weight only. Each
//! block it resumes a round through `Requests` and one through `Grants` at
//! its cursor, looks at a bounded number of entries, removes those past
//! retention and moves the cursor on; at the end of a map it starts a new
//! round. So its work per block is bounded and charged, and nothing is
//! removed before its time; an entry may stay longer than the retention, by
//! at most one round (docs/benchmarks.md gives the figures).

use crate::{pallet::*, types::*, WeightInfo};
use alloc::vec::Vec;
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Whether request `request` may be pruned at `now`: it is not open and
	/// its end (timeout or reading window) is more than the retention ago.
	pub(crate) fn request_is_prunable(request: &AccessRequestOf<T>, now: BlockNumberFor<T>) -> bool {
		request.status != RequestStatus::Open
			&& request.expires_at.saturating_add(Parameters::<T>::get().retention) < now
	}

	/// Whether grant `grant` may be pruned at `now`: it ended (revoked or
	/// expired) more than the retention ago.
	pub(crate) fn grant_is_prunable(grant: &GrantOf<T>, now: BlockNumberFor<T>) -> bool {
		let ended = match (grant.revoked_at, grant.expires_at) {
			(Some(revoked), Some(expired)) => Some(revoked.min(expired)),
			(revoked, expired) => revoked.or(expired),
		};
		ended.is_some_and(|end| end.saturating_add(Parameters::<T>::get().retention) < now)
	}

	/// Prunes with at most `remaining` weight at block `now`; returns the
	/// weight used.
	pub(crate) fn prune_within(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
		let base = T::DbWeight::get().reads_writes(3, 2);
		let step = T::WeightInfo::prune_request_step().max(T::WeightInfo::prune_grant_step());
		let Some(spare) = remaining.checked_sub(&base) else { return Weight::zero() };
		let by_time = spare.ref_time().checked_div(step.ref_time()).unwrap_or(u64::MAX);
		let by_proof = spare.proof_size().checked_div(step.proof_size()).unwrap_or(u64::MAX);
		let steps = u32::try_from(by_time.min(by_proof)).unwrap_or(u32::MAX).min(T::MaxPrunePerBlock::get());
		if steps == 0 {
			return Weight::zero();
		}
		let examined = Self::do_prune(now, steps);
		base.saturating_add(step.saturating_mul(u64::from(examined)))
	}

	/// Looks at up to `steps` stored requests and grants (half each, the
	/// rest to grants) and removes those past retention. Returns how many
	/// entries it looked at. Emits `Pruned` when it removed any. Never
	/// fails: a hook's bounded housekeeping.
	pub(crate) fn do_prune(now: BlockNumberFor<T>, steps: u32) -> u32 {
		let for_requests = steps.div_ceil(2);
		let (looked_at_requests, requests) = Self::prune_requests(now, for_requests);
		let (looked_at_grants, grants) = Self::prune_grants(now, steps.saturating_sub(looked_at_requests));
		if requests > 0 || grants > 0 {
			Self::deposit_event(Event::Pruned { requests, grants });
		}
		looked_at_requests.saturating_add(looked_at_grants)
	}

	/// One stretch of the round through `Requests`: (looked at, removed).
	pub(crate) fn prune_requests(now: BlockNumberFor<T>, steps: u32) -> (u32, u32) {
		let entries = match RequestPruneCursor::<T>::get() {
			Some(key) => Requests::<T>::iter_from(key.to_vec()),
			None => Requests::<T>::iter(),
		};
		let (looked_at, due, last) = Self::stretch(entries, steps, |request| Self::request_is_prunable(request, now));
		Self::set_cursor::<RequestPruneCursor<T>>(last.map(Requests::<T>::hashed_key_for));
		for (id, _) in &due {
			Requests::<T>::remove(id);
		}
		(looked_at, due.len() as u32)
	}

	/// One stretch of the round through `Grants`: (looked at, removed).
	pub(crate) fn prune_grants(now: BlockNumberFor<T>, steps: u32) -> (u32, u32) {
		let entries = match GrantPruneCursor::<T>::get() {
			Some(key) => Grants::<T>::iter_from(key.to_vec()),
			None => Grants::<T>::iter(),
		};
		let (looked_at, due, last) = Self::stretch(entries, steps, |grant| Self::grant_is_prunable(grant, now));
		Self::set_cursor::<GrantPruneCursor<T>>(last.map(Grants::<T>::hashed_key_for));
		for (id, grant) in &due {
			Grants::<T>::remove(id);
			GrantsByPatient::<T>::remove(&grant.patient, id);
			GrantsByGrantee::<T>::remove(&grant.grantee, id);
		}
		(looked_at, due.len() as u32)
	}

	/// Takes up to `steps` entries from `entries` (reaching the end counts
	/// as one): how many it looked at, those `prunable` says are due, and the
	/// id to resume after (`None` at the end of the map).
	fn stretch<V>(
		mut entries: impl Iterator<Item = (u64, V)>,
		steps: u32,
		prunable: impl Fn(&V) -> bool,
	) -> (u32, Vec<(u64, V)>, Option<u64>) {
		let (mut looked_at, mut due, mut last) = (0u32, Vec::new(), None);
		while looked_at < steps {
			looked_at = looked_at.saturating_add(1);
			let Some((id, entry)) = entries.next() else {
				return (looked_at, due, None);
			};
			last = Some(id);
			if prunable(&entry) {
				due.push((id, entry));
			}
		}
		(looked_at, due, last)
	}

	/// Stores where a round resumes; `None` (or a key that does not fit,
	/// which a 48-byte map key never is) starts the next round from the top.
	fn set_cursor<C: frame_support::storage::StorageValue<PruneCursor>>(key: Option<Vec<u8>>) {
		match key.and_then(|key| PruneCursor::try_from(key).ok()) {
			Some(key) => C::put(key),
			None => C::kill(),
		}
	}
}
