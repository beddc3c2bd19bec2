//! The patient's on-chain audit log: append-only, read by page.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	/// Appends an entry to `patient`'s audit log at the current block.
	/// Saturates at `u32::MAX` entries rather than overwrite or panic.
	pub(crate) fn log_access(
		patient: &T::AccountId,
		actor: &T::AccountId,
		action: AuditAction,
		record: Option<RecordId>,
		grant: Option<GrantId>,
		request: Option<RequestId>,
	) {
		let position = AuditLogLen::<T>::get(patient);
		let Some(next) = position.checked_add(1) else { return };
		let entry = AuditEntry {
			block: frame_system::Pallet::<T>::block_number(),
			actor: actor.clone(),
			action,
			record,
			grant,
			request,
		};
		AuditLog::<T>::insert(patient, position, entry);
		AuditLogLen::<T>::insert(patient, next);
	}

	/// One page of `patient`'s audit log, oldest first. Entries are never
	/// removed and their positions run from 0 to the log's length without a
	/// gap (`try_state` checks it), so the page ends at the first position
	/// with no entry, without reading `AuditLogLen` first.
	pub fn audit_page(
		patient: &T::AccountId,
		page: u32,
		page_size: u32,
	) -> Vec<AuditEntry<T::AccountId, BlockNumberFor<T>>> {
		let size = page_size.min(MAX_PAGE_SIZE);
		let start = page.saturating_mul(size);
		(start..start.saturating_add(size)).map_while(|i| AuditLog::<T>::get(patient, i)).collect()
	}
}
