//! Grants: the patient's consent, with scope, threshold, proxies, expiry and purpose.

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	#[allow(clippy::too_many_arguments)]
	pub(crate) fn do_grant(
		patient: T::AccountId,
		grantee: T::AccountId,
		scope: Scope,
		threshold: u8,
		proxies: BoundedVec<GrantProxy<T::AccountId>, ConstU32<MAX_PROXIES>>,
		expires_at: Option<BlockNumberFor<T>>,
		purpose: Purpose,
	) -> DispatchResult {
		ensure!(Patients::<T>::contains_key(&patient), Error::<T>::PatientNotRegistered);
		ensure!(grantee != patient, Error::<T>::SelfGrant);
		ensure!(Self::grantee_public_key(&grantee).is_some(), Error::<T>::GranteeNotRegistered);
		ensure!(!proxies.is_empty(), Error::<T>::NoProxies);
		ensure!(threshold >= 1 && usize::from(threshold) <= proxies.len(), Error::<T>::InvalidThreshold);
		for (i, proxy) in proxies.iter().enumerate() {
			ensure!(
				!proxies.iter().skip(i.saturating_add(1)).any(|p| p.hospital == proxy.hospital),
				Error::<T>::DuplicateProxy
			);
			ensure!(Proxies::<T>::contains_key(&proxy.hospital), Error::<T>::ProxyNotRegistered);
			ensure!(!proxy.encrypted_kfrag.is_empty(), Error::<T>::EmptyKfrag);
		}
		let now = frame_system::Pallet::<T>::block_number();
		if let Some(end) = expires_at {
			ensure!(end > now, Error::<T>::ExpiryInPast);
		}
		if let Scope::Records(records) = &scope {
			ensure!(!records.is_empty(), Error::<T>::EmptyScope);
			for (i, id) in records.iter().enumerate() {
				ensure!(!records.iter().skip(i.saturating_add(1)).any(|r| r == id), Error::<T>::DuplicateScopeRecord);
				let record = Records::<T>::get(id).ok_or(Error::<T>::RecordNotFound)?;
				ensure!(record.patient == patient, Error::<T>::RecordNotOfPatient);
				ensure!(record.retired_at.is_none(), Error::<T>::RecordRetired);
			}
		}

		let id = NextGrantId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let grant = Grant {
			patient: patient.clone(),
			grantee: grantee.clone(),
			scope,
			threshold,
			proxies,
			expires_at,
			purpose,
			created_at: now,
			revoked_at: None,
		};
		Grants::<T>::insert(id, grant);
		GrantsByPatient::<T>::insert(&patient, id, ());
		GrantsByGrantee::<T>::insert(&grantee, id, ());
		NextGrantId::<T>::put(next_id);

		Self::log_access(&patient, &patient, AuditAction::GrantCreated, None, Some(id), None);
		Self::deposit_event(Event::GrantCreated { grant: id, patient, grantee });
		Ok(())
	}

	pub(crate) fn do_revoke(who: T::AccountId, id: GrantId) -> DispatchResult {
		Grants::<T>::try_mutate(id, |maybe| -> DispatchResult {
			let grant = maybe.as_mut().ok_or(Error::<T>::GrantNotFound)?;
			ensure!(grant.patient == who, Error::<T>::NotThePatient);
			ensure!(grant.revoked_at.is_none(), Error::<T>::GrantRevoked);
			grant.revoked_at = Some(frame_system::Pallet::<T>::block_number());
			Ok(())
		})?;
		Self::log_access(&who, &who, AuditAction::GrantRevoked, None, Some(id), None);
		Self::deposit_event(Event::GrantRevoked { grant: id, patient: who });
		Ok(())
	}

	/// Checks that `grant` is live now, returning the named error otherwise.
	pub(crate) fn ensure_live(grant: &GrantOf<T>) -> DispatchResult {
		ensure!(grant.revoked_at.is_none(), Error::<T>::GrantRevoked);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(grant.is_live(&now), Error::<T>::GrantExpired);
		Ok(())
	}

	/// Whether grant `id` is live now and covers record `record` (a live
	/// record of the grant's patient).
	pub fn grant_covers(id: GrantId, record: RecordId) -> bool {
		let (Some(grant), Some(entry)) = (Grants::<T>::get(id), Records::<T>::get(record)) else {
			return false;
		};
		let now = frame_system::Pallet::<T>::block_number();
		grant.is_live(&now)
			&& entry.retired_at.is_none()
			&& entry.patient == grant.patient
			&& grant.scope.covers(record)
	}

	/// Every grant `patient` made.
	pub fn grants_of_patient(patient: &T::AccountId) -> Vec<(GrantId, GrantOf<T>)> {
		GrantsByPatient::<T>::iter_key_prefix(patient).filter_map(|id| Grants::<T>::get(id).map(|g| (id, g))).collect()
	}

	/// Every grant made to `grantee`.
	pub fn grants_to_grantee(grantee: &T::AccountId) -> Vec<(GrantId, GrantOf<T>)> {
		GrantsByGrantee::<T>::iter_key_prefix(grantee).filter_map(|id| Grants::<T>::get(id).map(|g| (id, g))).collect()
	}
}
