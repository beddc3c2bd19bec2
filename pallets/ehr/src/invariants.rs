//! `try_state`: the invariants pallet-ehr keeps.

#[cfg(any(feature = "try-runtime", test))]
use crate::{pallet::*, types::*};
#[cfg(any(feature = "try-runtime", test))]
use frame_support::ensure;

#[cfg(any(feature = "try-runtime", test))]
impl<T: Config> Pallet<T> {
	/// Checks that the indexes match the records, grants and requests, that
	/// every id is below its counter and that open requests point at grants
	/// and records that exist.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next_record = NextRecordId::<T>::get();
		for (id, record) in Records::<T>::iter() {
			ensure!(id < next_record, "record id not below NextRecordId");
			ensure!(Patients::<T>::contains_key(&record.patient), "record of an unregistered patient");
			ensure!(RecordByBodyHash::<T>::get(record.body_hash) == Some(id), "body hash index out of date");
		}
		for (patient, count) in PatientRecordCount::<T>::iter() {
			for position in 0..count {
				let id = PatientRecords::<T>::get(&patient, position).ok_or("gap in PatientRecords")?;
				let record = Records::<T>::get(id).ok_or("PatientRecords points at no record")?;
				ensure!(record.patient == patient, "PatientRecords points at another patient's record");
			}
		}
		ensure!(
			RecordByBodyHash::<T>::iter().count() == Records::<T>::iter().count(),
			"every record's body hash is indexed exactly once"
		);
		ensure!(
			PatientRecords::<T>::iter().count() as u64 == Records::<T>::iter().count() as u64,
			"every record is indexed exactly once"
		);

		let next_grant = NextGrantId::<T>::get();
		for (id, grant) in Grants::<T>::iter() {
			ensure!(id < next_grant, "grant id not below NextGrantId");
			ensure!(GrantsByPatient::<T>::contains_key(&grant.patient, id), "grant missing from patient index");
			ensure!(GrantsByGrantee::<T>::contains_key(&grant.grantee, id), "grant missing from grantee index");
			ensure!(
				grant.threshold >= 1 && usize::from(grant.threshold) <= grant.proxies.len(),
				"grant threshold out of range"
			);
		}

		let next_request = NextRequestId::<T>::get();
		for (id, request) in Requests::<T>::iter() {
			ensure!(id < next_request, "request id not below NextRequestId");
			let grant = Grants::<T>::get(request.grant).ok_or("request of an unknown grant")?;
			ensure!(Records::<T>::contains_key(request.record), "request of an unknown record");
			if request.status == RequestStatus::Ready {
				ensure!(request.cfrags.len() >= usize::from(grant.threshold), "ready below threshold");
			}
		}
		for (hospital, id, ()) in OpenRequestsByProxy::<T>::iter() {
			let request = Requests::<T>::get(id).ok_or("open index points at no request")?;
			ensure!(request.status == RequestStatus::Open, "open index holds a closed request");
			let grant = Grants::<T>::get(request.grant).ok_or("open request of an unknown grant")?;
			ensure!(grant.has_proxy(&hospital), "open index names a hospital outside the grant");
		}
		for (account, hospital) in ProxyAccountOf::<T>::iter() {
			let proxy = Proxies::<T>::get(&hospital).ok_or("proxy account of no proxy")?;
			ensure!(proxy.accounts.contains(&account), "proxy account index out of date");
		}
		for (patient, len) in AuditLogLen::<T>::iter() {
			ensure!(
				len == 0 || AuditLog::<T>::contains_key(&patient, len.saturating_sub(1)),
				"audit log shorter than its length"
			);
		}
		Ok(())
	}
}
