//! `try_state`: the invariants pallet-ehr keeps.

#[cfg(any(feature = "try-runtime", test))]
use crate::{pallet::*, types::*};
#[cfg(any(feature = "try-runtime", test))]
use ehr_primitives::umbral_codec;
#[cfg(any(feature = "try-runtime", test))]
use frame_support::{ensure, traits::Get};

#[cfg(any(feature = "try-runtime", test))]
impl<T: Config> Pallet<T> {
	/// Checks that the indexes match the records, grants and requests, that
	/// every id is below its counter, that open requests point at grants and
	/// records that exist (a finished request may outlive its pruned grant),
	/// that no request counts a key fragment twice or a fetch more than once,
	/// that only member hospitals have proxies, each with a key of its own,
	/// that the parameters are valid and that no quota (retirements,
	/// registrations, request slots) was used more than allowed. Fails with the first invariant that does not hold.
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let next_record = NextRecordId::<T>::get();
		for (id, record) in Records::<T>::iter() {
			ensure!(id < next_record, "record id not below NextRecordId");
			ensure!(Patients::<T>::contains_key(&record.patient), "record of an unregistered patient");
			ensure!(
				RecordsByBodyHash::<T>::get(record.body_hash, &record.custodian) == Some(id),
				"body hash index out of date"
			);
		}
		for (custodian, _, id) in RecordBySource::<T>::iter() {
			let record = Records::<T>::get(id).ok_or("RecordBySource points at no record")?;
			ensure!(record.custodian == custodian, "RecordBySource lists a record under another custodian");
		}
		for (patient, count) in PatientRecordCount::<T>::iter() {
			for position in 0..count {
				let id = PatientRecords::<T>::get(&patient, position).ok_or("gap in PatientRecords")?;
				let record = Records::<T>::get(id).ok_or("PatientRecords points at no record")?;
				ensure!(record.patient == patient, "PatientRecords points at another patient's record");
			}
		}
		ensure!(
			RecordsByBodyHash::<T>::iter().count() == Records::<T>::iter().count(),
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
			for (i, proxy) in grant.proxies.iter().enumerate() {
				ensure!(
					proxy.kfrag_id.is_none() || !grant.proxies[..i].iter().any(|p| p.kfrag_id == proxy.kfrag_id),
					"two proxies of a grant share a kfrag"
				);
			}
		}
		for (patient, id, ()) in GrantsByPatient::<T>::iter() {
			ensure!(Grants::<T>::get(id).is_some_and(|g| g.patient == patient), "patient index points at no grant");
		}
		for (grantee, id, ()) in GrantsByGrantee::<T>::iter() {
			ensure!(Grants::<T>::get(id).is_some_and(|g| g.grantee == grantee), "grantee index points at no grant");
		}

		let next_request = NextRequestId::<T>::get();
		for (id, request) in Requests::<T>::iter() {
			ensure!(id < next_request, "request id not below NextRequestId");
			ensure!(Records::<T>::contains_key(request.record), "request of an unknown record");
			ensure!(request.fetches <= 1, "a fetch confirmed more than once");
			let ids: alloc::vec::Vec<_> =
				request.cfrags.iter().map(|c| umbral_codec::cfrag_kfrag_id(&c.cfrag)).collect();
			for (i, id) in ids.iter().enumerate() {
				ensure!(id.is_some() && !ids[..i].contains(id), "a request counts a key fragment twice");
			}
			match Grants::<T>::get(request.grant) {
				Some(grant) if request.status == RequestStatus::Ready => {
					ensure!(request.cfrags.len() >= usize::from(grant.threshold), "ready below threshold");
				},
				Some(_) => {},
				None => ensure!(request.status != RequestStatus::Open, "open request of an unknown grant"),
			}
		}
		for (hospital, id, ()) in OpenRequestsByProxy::<T>::iter() {
			let request = Requests::<T>::get(id).ok_or("open index points at no request")?;
			ensure!(request.status == RequestStatus::Open, "open index holds a closed request");
			let grant = Grants::<T>::get(request.grant).ok_or("open request of an unknown grant")?;
			ensure!(grant.has_proxy(&hospital), "open index names a hospital outside the grant");
		}
		for (hospital, proxy) in Proxies::<T>::iter() {
			ensure!(T::Hospitals::is_hospital(&hospital), "a proxy of a hospital that is not a member");
			ensure!(ProxyByKey::<T>::get(&proxy.public_key) == Some(hospital), "proxy key index out of date");
		}
		ensure!(
			ProxyByKey::<T>::iter_keys().count() == Proxies::<T>::iter_keys().count(),
			"every proxy key is indexed exactly once"
		);
		for account in KeysRotatedAt::<T>::iter_keys() {
			ensure!(
				Patients::<T>::contains_key(&account) || Providers::<T>::contains_key(&account),
				"a key rotation of an unregistered account"
			);
		}
		ensure!(Self::parameters_are_valid(&Parameters::<T>::get()), "a parameter of zero blocks");
		let now = frame_system::Pallet::<T>::block_number();
		fn within<B: PartialOrd>(mut entries: impl Iterator<Item = (B, u32)>, max: u32, now: &B) -> bool {
			entries.all(|(start, count)| count <= max && &start <= now)
		}
		let quotas_hold = within(RetirementsBy::<T>::iter_values(), T::MaxRetirementsPerWindow::get(), &now)
			&& within(RegistrationsBy::<T>::iter_values(), T::MaxRegistrationsPerWindow::get(), &now)
			&& within(RecordsForOthersBy::<T>::iter_values(), T::MaxRecordsForOthersPerWindow::get(), &now)
			&& within(RequestsOpenedBy::<T>::iter_values(), T::MaxRequestsPerGranteePerBlock::get(), &now)
			&& within(RequestsOpenedByHospital::<T>::iter_values(), T::MaxRequestsPerHospitalPerBlock::get(), &now)
			&& within(RequestsOpenedForPatient::<T>::iter_values(), T::MaxRequestsPerPatientPerBlock::get(), &now);
		ensure!(quotas_hold, "a quota used more than allowed, or a quota window that starts in the future");
		for (account, hospital) in ProxyAccountOf::<T>::iter() {
			let proxy = Proxies::<T>::get(&hospital).ok_or("proxy account of no proxy")?;
			ensure!(proxy.accounts.contains(&account), "proxy account index out of date");
		}
		for (patient, len) in AuditLogLen::<T>::iter() {
			for position in 0..len {
				ensure!(AuditLog::<T>::contains_key(&patient, position), "gap in an audit log");
			}
		}
		ensure!(
			AuditLog::<T>::iter_keys().count() as u64
				== AuditLogLen::<T>::iter_values().map(u64::from).fold(0u64, u64::saturating_add),
			"audit log entries beyond their log's length"
		);
		Ok(())
	}
}
