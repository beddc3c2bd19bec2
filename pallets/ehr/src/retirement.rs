//! Retirement and restoration of records.
//!
//! Retiring a record withdraws it from sharing at once (no new grant names
//! it, no new request opens on it) but destroys nothing: its body is kept
//! for the governed [`EhrParameters::retirement_grace`], during which the
//! record's patient, or the consortium by a two-thirds decision, restores
//! it. Only once the grace has passed may the custodian's node delete the
//! body. So a stolen hospital key (or a stolen patient key) can retire
//! records, which the patient sees in their audit log, but cannot make a
//! body disappear, and each retiring account retires at most
//! [`Config::MaxRetirementsPerWindow`] records per
//! [`Config::RetirementWindow`].

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*, PalletId};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{AccountIdConversion, Saturating};

/// The id behind [`Pallet::consortium_account`].
pub const CONSORTIUM_PALLET_ID: PalletId = PalletId(*b"ehr/cnsm");

/// Who restores retired records.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Restorer<AccountId> {
	/// The records' patient, for their own records only.
	Patient(AccountId),
	/// The consortium (a decision of [`Config::GovernanceOrigin`]), for any record.
	Consortium,
}

impl<T: Config> Pallet<T> {
	/// The account that stands for the consortium in audit entries of its
	/// decisions (a restore voted by the members). No one holds its key.
	pub fn consortium_account() -> T::AccountId {
		CONSORTIUM_PALLET_ID.into_account_truncating()
	}

	/// Retires record `id` on behalf of `who`, its custodian or its patient,
	/// and logs it on the patient's audit trail. Fails with
	/// `RecordNotFound`, `NotCustodianOrPatient`, `AlreadyRetired`, or
	/// `TooManyRetirements` when `who` already retired
	/// [`Config::MaxRetirementsPerWindow`] records in this window.
	pub(crate) fn do_retire_record(who: T::AccountId, id: RecordId) -> DispatchResult {
		let now = frame_system::Pallet::<T>::block_number();
		let kept_until = Records::<T>::try_mutate(id, |maybe| -> Result<BlockNumberFor<T>, DispatchError> {
			let record = maybe.as_mut().ok_or(Error::<T>::RecordNotFound)?;
			ensure!(who == record.custodian || who == record.patient, Error::<T>::NotCustodianOrPatient);
			ensure!(record.retired_at.is_none(), Error::<T>::AlreadyRetired);
			Self::count_retirement(&who, now)?;
			record.retired_at = Some(now);
			Self::log_access(&record.patient, &who, AuditAction::RecordRetired, Some(id), None, None);
			Ok(now.saturating_add(Parameters::<T>::get().retirement_grace))
		})?;
		Self::deposit_event(Event::RecordRetired { record: id, by: who, body_kept_until: kept_until });
		Ok(())
	}

	/// Counts one retirement of `who` at block `now` in its current window.
	/// Fails with `TooManyRetirements` when the window is full.
	fn count_retirement(who: &T::AccountId, now: BlockNumberFor<T>) -> DispatchResult {
		Self::take_quota::<RetirementsBy<T>>(
			who,
			now,
			T::RetirementWindow::get(),
			T::MaxRetirementsPerWindow::get(),
			Error::<T>::TooManyRetirements,
		)
	}

	/// Restores every record of `records` for `by`: each is in use again,
	/// and the restore is on its patient's audit trail. Fails with
	/// `NoRecordsInBatch`, `RecordNotFound`, `RecordNotOfPatient` (a patient
	/// restores only their own records), `NotRetired` (also for a record
	/// listed twice) or `GracePeriodOver` (its body may already be
	/// deleted); the dispatch is transactional, so a failure restores none.
	pub(crate) fn do_restore_records(
		by: Restorer<T::AccountId>,
		records: BoundedVec<RecordId, ConstU32<MAX_RESTORE_RECORDS>>,
	) -> DispatchResult {
		ensure!(!records.is_empty(), Error::<T>::NoRecordsInBatch);
		let now = frame_system::Pallet::<T>::block_number();
		let grace = Parameters::<T>::get().retirement_grace;
		let (actor, restored_by) = match &by {
			Restorer::Patient(patient) => (patient.clone(), Some(patient.clone())),
			Restorer::Consortium => (Self::consortium_account(), None),
		};
		for id in records {
			Records::<T>::try_mutate(id, |maybe| -> DispatchResult {
				let record = maybe.as_mut().ok_or(Error::<T>::RecordNotFound)?;
				if let Restorer::Patient(patient) = &by {
					ensure!(&record.patient == patient, Error::<T>::RecordNotOfPatient);
				}
				ensure!(record.retired_at.is_some(), Error::<T>::NotRetired);
				ensure!(!record.body_deletable_at(grace, now), Error::<T>::GracePeriodOver);
				record.retired_at = None;
				Self::log_access(&record.patient, &actor, AuditAction::RecordRestored, Some(id), None, None);
				Ok(())
			})?;
			Self::deposit_event(Event::RecordRestored { record: id, by: restored_by.clone() });
		}
		Ok(())
	}

	/// Whether record `record`'s body is still kept at block `now`: the
	/// record is in use, or retired less than the retirement grace ago.
	pub fn body_is_kept(record: &RecordOf<T>, now: BlockNumberFor<T>) -> bool {
		!record.body_deletable_at(Parameters::<T>::get().retirement_grace, now)
	}
}
