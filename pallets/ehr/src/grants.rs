//! Grants: the patient's consent, with scope, threshold, proxies, expiry and purpose.

use crate::{pallet::*, types::*};
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
	/// Records `patient`'s grant to `grantee`. Fails with
	/// `PatientNotRegistered`, `SelfGrant`, `GranteeNotRegistered`,
	/// `NoProxies`, `InvalidThreshold`, `DuplicateProxy`,
	/// `ProxyNotRegistered` (also for a hospital that left), `EmptyKfrag`,
	/// `MissingKfragId`, `DuplicateKfragId`, `ExpiryInPast`, `EmptyScope`,
	/// `DuplicateScopeRecord`, `RecordNotFound`, `RecordNotOfPatient`,
	/// `RecordIsRetired` or `Overflow`.
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
			let kfrag_id = proxy.kfrag_id.ok_or(Error::<T>::MissingKfragId)?;
			ensure!(
				!proxies.iter().skip(i.saturating_add(1)).any(|p| p.kfrag_id == Some(kfrag_id)),
				Error::<T>::DuplicateKfragId
			);
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
				ensure!(record.retired_at.is_none(), Error::<T>::RecordIsRetired);
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

	/// Revokes grant `id` of patient `who`. Fails with `GrantNotFound`,
	/// `NotThePatient` or `AlreadyRevoked`.
	pub(crate) fn do_revoke(who: T::AccountId, id: GrantId) -> DispatchResult {
		Grants::<T>::try_mutate(id, |maybe| -> DispatchResult {
			let grant = maybe.as_mut().ok_or(Error::<T>::GrantNotFound)?;
			ensure!(grant.patient == who, Error::<T>::NotThePatient);
			ensure!(grant.revoked_at.is_none(), Error::<T>::AlreadyRevoked);
			grant.revoked_at = Some(frame_system::Pallet::<T>::block_number());
			Ok(())
		})?;
		Self::log_access(&who, &who, AuditAction::GrantRevoked, None, Some(id), None);
		Self::deposit_event(Event::GrantRevoked { grant: id, patient: who });
		Ok(())
	}

	/// Checks that `grant` is live now and made under the patient's and
	/// grantee's current keys. Fails with `GrantIsRevoked`, `GrantExpired`
	/// or `GrantKeysRotated`.
	pub(crate) fn ensure_live(grant: &GrantOf<T>) -> DispatchResult {
		ensure!(grant.revoked_at.is_none(), Error::<T>::GrantIsRevoked);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(grant.is_live(&now), Error::<T>::GrantExpired);
		ensure!(!Self::keys_rotated_since(grant), Error::<T>::GrantKeysRotated);
		Ok(())
	}

	/// Whether the patient or the grantee of `grant` rotated their keys at
	/// or after the block it was made in (its kfrags are for the old keys).
	pub fn keys_rotated_since(grant: &GrantOf<T>) -> bool {
		Self::rotated_since(&grant.patient, &grant.created_at) || Self::rotated_since(&grant.grantee, &grant.created_at)
	}

	/// Whether grant `id` is live now and lets its grantee read record
	/// `record` through a ready request: a record of the grant's patient, in
	/// its scope, whose body is kept (in use, or retired less than the
	/// retirement grace ago: a retirement that can still be undone takes
	/// nothing already shared away). New requests and cfrags on a retired
	/// record are refused all the same.
	pub fn grant_covers(id: GrantId, record: RecordId) -> bool {
		let (Some(grant), Some(entry)) = (Grants::<T>::get(id), Records::<T>::get(record)) else {
			return false;
		};
		let now = frame_system::Pallet::<T>::block_number();
		grant.is_live(&now)
			&& !Self::keys_rotated_since(&grant)
			&& Self::body_is_kept(&entry, now)
			&& entry.patient == grant.patient
			&& grant.scope.covers(record)
	}

	/// Every grant `patient` made.
	pub fn grants_of_patient(
		patient: &T::AccountId,
		after: Option<GrantId>,
		limit: u32,
	) -> IdPage<GrantId, GrantOf<T>> {
		Self::id_page::<GrantsByPatient<T>, _>(patient, after, limit, Grants::<T>::get)
	}

	/// Every grant made to `grantee`.
	pub fn grants_to_grantee(
		grantee: &T::AccountId,
		after: Option<GrantId>,
		limit: u32,
	) -> IdPage<GrantId, GrantOf<T>> {
		Self::id_page::<GrantsByGrantee<T>, _>(grantee, after, limit, Grants::<T>::get)
	}
}
