//! Access requests: opened by grantees, served by proxies with verified
//! cfrags, expired when not ready in time, and confirmed by the custodian.

use crate::{pallet::*, types::*};
use ehr_primitives::{
	host::{ehr_crypto, CFRAG_INCORRECT_REENCRYPTION, CFRAG_VALID, CFRAG_WRONG_KEY_FRAG},
	umbral_codec,
};
use frame_support::{ensure, pallet_prelude::*};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{One, Saturating};

impl<T: Config> Pallet<T> {
	/// Opens a request by `grantee` for `record_id` under `grant_id` and
	/// returns the grant's proxy count (for the actual weight). Fails with
	/// `GrantNotFound`, `NotTheGrantee`, `GrantIsRevoked`, `GrantExpired`,
	/// `GrantKeysRotated`, `RecordNotFound`, `RecordNotInScope`,
	/// `RecordIsRetired`, `TooManyRequestsFromGrantee`,
	/// `TooManyRequestsFromHospital`, `TooManyRequestsForPatient`,
	/// `GranteeNotRegistered`, `TooManyRequestsInBlock` or `Overflow`.
	pub(crate) fn do_request_access(
		grantee: T::AccountId,
		grant_id: GrantId,
		record_id: RecordId,
	) -> Result<u32, DispatchError> {
		let grant = Grants::<T>::get(grant_id).ok_or(Error::<T>::GrantNotFound)?;
		ensure!(grant.grantee == grantee, Error::<T>::NotTheGrantee);
		Self::ensure_live(&grant)?;
		let record = Records::<T>::get(record_id).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(record.patient == grant.patient, Error::<T>::RecordNotInScope);
		ensure!(grant.scope.covers(record_id), Error::<T>::RecordNotInScope);
		ensure!(record.retired_at.is_none(), Error::<T>::RecordIsRetired);

		let now = frame_system::Pallet::<T>::block_number();
		Self::count_request(&grantee, &grant.patient, now)?;
		let expires_at = now.saturating_add(T::RequestTimeout::get());
		let id = NextRequestId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		RequestExpiries::<T>::try_mutate(expires_at.saturating_add(One::one()), |due| due.try_push(id))
			.map_err(|_| Error::<T>::TooManyRequestsInBlock)?;

		for proxy in grant.proxies.iter() {
			OpenRequestsByProxy::<T>::insert(&proxy.hospital, id, ());
		}
		let request = AccessRequest {
			grant: grant_id,
			record: record_id,
			grantee: grantee.clone(),
			patient: grant.patient.clone(),
			opened_at: now,
			expires_at,
			cfrags: BoundedVec::new(),
			status: RequestStatus::Open,
			fetches: 0,
		};
		Requests::<T>::insert(id, request);
		NextRequestId::<T>::put(next_id);

		Self::log_access(
			&grant.patient,
			&grantee,
			AuditAction::AccessRequested,
			Some(record_id),
			Some(grant_id),
			Some(id),
		);
		Self::deposit_event(Event::AccessRequested { request: id, grant: grant_id, record: record_id, grantee });
		Ok(grant.proxies.len() as u32)
	}

	/// Accepts `hospital`'s cfrag for request `id` once it verifies, was
	/// made with the kfrag sealed to `hospital` and no accepted cfrag came
	/// from the same kfrag; returns the grant's proxy count (for the actual
	/// weight). Fails with `RequestNotFound`, `RequestNotOpen`,
	/// `RequestTimedOut`, `GrantNotFound`, `GrantIsRevoked`, `GrantExpired`,
	/// `GrantKeysRotated`, `ProxyNotInGrant`, `CfragAlreadySubmitted`,
	/// `RecordNotFound`, `RecordIsRetired`, `PatientNotRegistered`,
	/// `GranteeNotRegistered`, `MalformedCfrag`, `CfragWrongKeyFrag`,
	/// `CfragInvalid`, `CfragOfAnotherProxy`, `DuplicateKeyFragment` or
	/// `TooManyCfrags`.
	pub(crate) fn do_submit_cfrag(
		hospital: T::AccountId,
		id: RequestId,
		cfrag: CfragBytes,
	) -> Result<u32, DispatchError> {
		let mut request = Requests::<T>::get(id).ok_or(Error::<T>::RequestNotFound)?;
		ensure!(request.status == RequestStatus::Open, Error::<T>::RequestNotOpen);
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(now <= request.expires_at, Error::<T>::RequestTimedOut);
		let grant = Grants::<T>::get(request.grant).ok_or(Error::<T>::GrantNotFound)?;
		Self::ensure_live(&grant)?;
		let proxy = grant.proxies.iter().find(|p| p.hospital == hospital).ok_or(Error::<T>::ProxyNotInGrant)?;
		ensure!(!request.cfrags.iter().any(|c| c.hospital == hospital), Error::<T>::CfragAlreadySubmitted);
		let record = Records::<T>::get(request.record).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(record.retired_at.is_none(), Error::<T>::RecordIsRetired);
		let patient = Patients::<T>::get(&grant.patient).ok_or(Error::<T>::PatientNotRegistered)?;
		let grantee_key = Self::grantee_public_key(&grant.grantee).ok_or(Error::<T>::GranteeNotRegistered)?;

		// Verified natively by the node through the `ehr_crypto` host function.
		match ehr_crypto::verify_cfrag(
			&cfrag,
			&record.capsule,
			&patient.verifying_key,
			&patient.public_key,
			&grantee_key,
		) {
			CFRAG_VALID => {},
			CFRAG_WRONG_KEY_FRAG => return Err(Error::<T>::CfragWrongKeyFrag.into()),
			CFRAG_INCORRECT_REENCRYPTION => return Err(Error::<T>::CfragInvalid.into()),
			_ => return Err(Error::<T>::MalformedCfrag.into()),
		}
		// The cfrag verified, so its bytes are canonical and name its kfrag.
		let kfrag_id = umbral_codec::cfrag_kfrag_id(&cfrag).ok_or(Error::<T>::MalformedCfrag)?;
		if let Some(sealed_to_proxy) = proxy.kfrag_id {
			ensure!(kfrag_id == sealed_to_proxy, Error::<T>::CfragOfAnotherProxy);
		}
		ensure!(
			!request.cfrags.iter().any(|c| umbral_codec::cfrag_kfrag_id(&c.cfrag) == Some(kfrag_id)),
			Error::<T>::DuplicateKeyFragment
		);
		let proxies = grant.proxies.len() as u32;

		request
			.cfrags
			.try_push(DeliveredCfrag { hospital: hospital.clone(), cfrag })
			.map_err(|_| Error::<T>::TooManyCfrags)?;
		OpenRequestsByProxy::<T>::remove(&hospital, id);
		Self::log_access(
			&request.patient,
			&hospital,
			AuditAction::CfragAccepted,
			Some(request.record),
			Some(request.grant),
			Some(id),
		);
		Self::deposit_event(Event::CfragAccepted { request: id, hospital });

		if request.cfrags.len() >= usize::from(grant.threshold) {
			request.status = RequestStatus::Ready;
			request.expires_at = now.saturating_add(Parameters::<T>::get().reading_window);
			for proxy in grant.proxies.iter() {
				OpenRequestsByProxy::<T>::remove(&proxy.hospital, id);
			}
			Self::log_access(
				&request.patient,
				&request.patient,
				AuditAction::RequestReady,
				Some(request.record),
				Some(request.grant),
				Some(id),
			);
			Self::deposit_event(Event::RequestReady { request: id });
		}
		Requests::<T>::insert(id, request);
		Ok(proxies)
	}

	/// Logs that custodian `hospital` served the body of ready request `id`:
	/// once per request, within its reading window. Fails with
	/// `RequestNotFound`, `RecordNotFound`, `NotTheCustodian`,
	/// `RequestNotReady`, `ReadingWindowClosed` or `FetchAlreadyConfirmed`.
	pub(crate) fn do_confirm_fetch(hospital: T::AccountId, id: RequestId) -> DispatchResult {
		let patient = Requests::<T>::try_mutate(id, |maybe| -> Result<_, DispatchError> {
			let request = maybe.as_mut().ok_or(Error::<T>::RequestNotFound)?;
			let record = Records::<T>::get(request.record).ok_or(Error::<T>::RecordNotFound)?;
			ensure!(record.custodian == hospital, Error::<T>::NotTheCustodian);
			ensure!(request.status == RequestStatus::Ready, Error::<T>::RequestNotReady);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(now <= request.expires_at, Error::<T>::ReadingWindowClosed);
			ensure!(request.fetches == 0, Error::<T>::FetchAlreadyConfirmed);
			request.fetches = 1;
			Ok((request.patient.clone(), request.record, request.grant))
		})?;
		let (patient, record, grant) = patient;
		Self::log_access(&patient, &hospital, AuditAction::FetchConfirmed, Some(record), Some(grant), Some(id));
		Self::deposit_event(Event::FetchConfirmed { request: id, custodian: hospital });
		Ok(())
	}

	/// Logs that custodian `hospital` served record `id` to its patient: a
	/// record in use, or a retired one whose body is still kept (a patient
	/// reads their records while a retirement can be undone). Fails with
	/// `RecordNotFound`, `NotTheCustodian` or `RecordIsRetired` (its
	/// retirement grace has passed).
	pub(crate) fn do_confirm_patient_read(hospital: T::AccountId, id: RecordId) -> DispatchResult {
		let record = Records::<T>::get(id).ok_or(Error::<T>::RecordNotFound)?;
		ensure!(record.custodian == hospital, Error::<T>::NotTheCustodian);
		ensure!(Self::body_is_kept(&record, frame_system::Pallet::<T>::block_number()), Error::<T>::RecordIsRetired);
		Self::log_access(&record.patient, &hospital, AuditAction::PatientRead, Some(id), None, None);
		Self::deposit_event(Event::PatientReadConfirmed { record: id, custodian: hospital });
		Ok(())
	}

	/// Expires the requests due at `now` that are still open, emitting
	/// `RequestExpired` for each. Never fails: a hook's bounded housekeeping
	/// (at most `MaxRequestsPerBlock` requests fall due in one block).
	pub(crate) fn do_expire_requests(now: BlockNumberFor<T>) {
		for id in RequestExpiries::<T>::take(now) {
			let Some(mut request) = Requests::<T>::get(id) else { continue };
			if request.status != RequestStatus::Open {
				continue;
			}
			request.status = RequestStatus::Expired;
			if let Some(grant) = Grants::<T>::get(request.grant) {
				for proxy in grant.proxies.iter() {
					OpenRequestsByProxy::<T>::remove(&proxy.hospital, id);
				}
			}
			Self::log_access(
				&request.patient,
				&request.patient,
				AuditAction::RequestExpired,
				Some(request.record),
				Some(request.grant),
				Some(id),
			);
			Requests::<T>::insert(id, request);
			Self::deposit_event(Event::RequestExpired { request: id });
		}
	}

	/// The open requests naming `hospital` whose grant is still live and
	/// whose record is still covered, among `limit` after `after`: a page
	/// of the proxy worker's queue.
	pub fn open_requests_for(
		hospital: &T::AccountId,
		after: Option<RequestId>,
		limit: u32,
	) -> IdPage<RequestId, AccessRequestOf<T>> {
		let now = frame_system::Pallet::<T>::block_number();
		Self::id_page::<OpenRequestsByProxy<T>, _>(hospital, after, limit, |id| {
			Requests::<T>::get(id)
				.filter(|r| r.status == RequestStatus::Open && now <= r.expires_at)
				.filter(|r| Self::grant_covers(r.grant, r.record))
		})
	}
}
