//! Quotas: how much of the chain's shared capacity one identity may take.
//!
//! Each quota counts uses in a window of blocks that starts with the first
//! use after the previous window ended (a window of one block is "this
//! block"). The counters are single map entries per identity, overwritten
//! when a new window starts, so a quota costs one read and one write.
//!
//! - Registrations per hospital ([`Config::MaxRegistrationsPerWindow`]): a
//!   member (or its stolen key) cannot flood the chain with sybil people.
//! - Request slots ([`Config::MaxRequestsPerBlock`] chain-wide) are shared:
//!   a grantee takes at most [`Config::MaxRequestsPerGranteePerBlock`], the
//!   people one hospital onboarded at most
//!   [`Config::MaxRequestsPerHospitalPerBlock`], and requests on one
//!   patient's records at most [`Config::MaxRequestsPerPatientPerBlock`], so
//!   one hospital's sybil grantees cannot take every slot of a block.
//! - Records for patients another hospital registered, per hospital
//!   ([`Config::MaxRecordsForOthersPerWindow`], one registration window):
//!   a member cannot fill everyone's patients' lists.
//! - Retirements per account ([`Config::MaxRetirementsPerWindow`], in
//!   retirement.rs).

use crate::pallet::*;
use frame_support::{ensure, pallet_prelude::*, storage::StorageMap as StorageMapT};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::Saturating;

impl<T: Config> Pallet<T> {
	/// Counts one use of `who`'s quota kept in map `M`, at block `now`, in
	/// windows of `window` blocks with at most `max` uses each. Fails with
	/// `full` when the current window is used up; writes nothing then.
	pub(crate) fn take_quota<M>(
		who: &T::AccountId,
		now: BlockNumberFor<T>,
		window: BlockNumberFor<T>,
		max: u32,
		full: Error<T>,
	) -> DispatchResult
	where
		M: StorageMapT<T::AccountId, (BlockNumberFor<T>, u32), Query = Option<(BlockNumberFor<T>, u32)>>,
	{
		M::try_mutate(who, |entry| {
			let (start, count) = match *entry {
				Some((start, count)) if now < start.saturating_add(window) => (start, count),
				_ => (now, 0),
			};
			ensure!(count < max, full);
			*entry = Some((start, count.saturating_add(1)));
			Ok(())
		})
	}

	/// Counts one registration of a person by `hospital`. Fails with
	/// `TooManyRegistrations` when the hospital's window is full.
	pub(crate) fn count_registration(hospital: &T::AccountId) -> DispatchResult {
		Self::take_quota::<RegistrationsBy<T>>(
			hospital,
			frame_system::Pallet::<T>::block_number(),
			T::RegistrationWindow::get(),
			T::MaxRegistrationsPerWindow::get(),
			Error::<T>::TooManyRegistrations,
		)
	}

	/// Counts one record `custodian` creates for a patient another hospital
	/// registered. Fails with `TooManyRecordsForOthers` when the custodian's
	/// window is full.
	pub(crate) fn count_record_for_others(custodian: &T::AccountId) -> DispatchResult {
		Self::take_quota::<RecordsForOthersBy<T>>(
			custodian,
			frame_system::Pallet::<T>::block_number(),
			T::RegistrationWindow::get(),
			T::MaxRecordsForOthersPerWindow::get(),
			Error::<T>::TooManyRecordsForOthers,
		)
	}

	/// Counts one request slot of this block for `grantee`, for the
	/// hospital that onboarded the grantee, and for `patient`, whose record
	/// it reads. Fails with `TooManyRequestsFromGrantee`,
	/// `TooManyRequestsFromHospital`, `TooManyRequestsForPatient` or
	/// `GranteeNotRegistered`.
	pub(crate) fn count_request(
		grantee: &T::AccountId,
		patient: &T::AccountId,
		now: BlockNumberFor<T>,
	) -> DispatchResult {
		let one_block = BlockNumberFor::<T>::from(1u32);
		Self::take_quota::<RequestsOpenedBy<T>>(
			grantee,
			now,
			one_block,
			T::MaxRequestsPerGranteePerBlock::get(),
			Error::<T>::TooManyRequestsFromGrantee,
		)?;
		let hospital = Self::onboarded_by(grantee).ok_or(Error::<T>::GranteeNotRegistered)?;
		Self::take_quota::<RequestsOpenedByHospital<T>>(
			&hospital,
			now,
			one_block,
			T::MaxRequestsPerHospitalPerBlock::get(),
			Error::<T>::TooManyRequestsFromHospital,
		)?;
		Self::take_quota::<RequestsOpenedForPatient<T>>(
			patient,
			now,
			one_block,
			T::MaxRequestsPerPatientPerBlock::get(),
			Error::<T>::TooManyRequestsForPatient,
		)
	}

	/// The hospital that onboarded `who`, a registered provider or patient.
	pub(crate) fn onboarded_by(who: &T::AccountId) -> Option<T::AccountId> {
		Providers::<T>::get(who).map(|p| p.onboarded_by).or_else(|| Patients::<T>::get(who).map(|p| p.onboarded_by))
	}
}
