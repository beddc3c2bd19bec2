//! Records: the cross-hospital locator entries, their re-keying and their
//! pages (retirement is in `retirement`).

use crate::{pallet::*, types::*};
use alloc::vec::Vec;
use frame_support::{ensure, pallet_prelude::*};

impl<T: Config> Pallet<T> {
	/// Records a new locator entry with `custodian` as custodian, and its
	/// source under the custodian's tag if it names one. Fails with
	/// `PatientNotRegistered`, `InvalidCapsule`, `EmptyMetadata`,
	/// `DuplicateBody`, `SourceAlreadyRecorded`, `TooManyRecordsForOthers`
	/// (a patient another hospital registered, beyond
	/// [`Config::MaxRecordsForOthersPerWindow`]) or `Overflow`.
	pub(crate) fn do_create_record(custodian: T::AccountId, new: NewRecord<T::AccountId>) -> DispatchResult {
		let NewRecord { patient, capsule, encrypted_metadata, body_hash, body_size, source } = new;
		let registered_by = Patients::<T>::get(&patient).ok_or(Error::<T>::PatientNotRegistered)?.onboarded_by;
		ensure!(ehr_primitives::host::ehr_crypto::capsule_is_valid(&capsule), Error::<T>::InvalidCapsule);
		ensure!(!encrypted_metadata.is_empty(), Error::<T>::EmptyMetadata);
		ensure!(!RecordsByBodyHash::<T>::contains_key(body_hash, &custodian), Error::<T>::DuplicateBody);
		if let Some(tag) = source {
			ensure!(!RecordBySource::<T>::contains_key(&custodian, tag), Error::<T>::SourceAlreadyRecorded);
		}

		if registered_by != custodian {
			Self::count_record_for_others(&custodian)?;
		}

		let id = NextRecordId::<T>::get();
		let next_id = id.checked_add(1).ok_or(Error::<T>::Overflow)?;
		let position = PatientRecordCount::<T>::get(&patient);
		let next_position = position.checked_add(1).ok_or(Error::<T>::Overflow)?;

		let record = Record {
			patient: patient.clone(),
			custodian: custodian.clone(),
			capsule,
			encrypted_metadata,
			body_hash,
			body_size,
			created_at: frame_system::Pallet::<T>::block_number(),
			retired_at: None,
		};
		Records::<T>::insert(id, record);
		RecordsByBodyHash::<T>::insert(body_hash, &custodian, id);
		if let Some(tag) = source {
			RecordBySource::<T>::insert(&custodian, tag, id);
		}
		PatientRecords::<T>::insert(&patient, position, id);
		PatientRecordCount::<T>::insert(&patient, next_position);
		NextRecordId::<T>::put(next_id);

		Self::log_access(&patient, &custodian, AuditAction::RecordCreated, Some(id), None, None);
		Self::deposit_event(Event::RecordCreated { record: id, patient, custodian });
		Ok(())
	}

	/// Creates every record of `records` in order, with `custodian` as
	/// custodian. Fails with `NoRecordsInBatch`, or with the first record's
	/// failure as [`Pallet::do_create_record`] says (a body or a source listed
	/// twice in the batch fails as `DuplicateBody` or `SourceAlreadyRecorded`);
	/// the dispatch is transactional, so a failure creates none of them.
	pub(crate) fn do_create_records(
		custodian: T::AccountId,
		records: BoundedVec<NewRecord<T::AccountId>, ConstU32<MAX_CREATE_RECORDS>>,
	) -> DispatchResult {
		ensure!(!records.is_empty(), Error::<T>::NoRecordsInBatch);
		for record in records {
			Self::do_create_record(custodian.clone(), record)?;
		}
		Ok(())
	}

	/// Gives `patient`'s records new capsules and envelopes. Fails with
	/// `EmptyScope`, `DuplicateScopeRecord`, `RecordNotFound`,
	/// `RecordNotOfPatient`, `InvalidCapsule` or `EmptyMetadata`; changes
	/// nothing unless every record can be re-keyed.
	pub(crate) fn do_rekey_records(
		patient: T::AccountId,
		records: BoundedVec<(RecordId, CapsuleBytes, EncryptedMetadata), ConstU32<MAX_REKEY_RECORDS>>,
	) -> DispatchResult {
		ensure!(!records.is_empty(), Error::<T>::EmptyScope);
		let mut rekeyed = Vec::with_capacity(records.len());
		for (i, (id, capsule, metadata)) in records.iter().enumerate() {
			ensure!(
				!records.iter().skip(i.saturating_add(1)).any(|(other, _, _)| other == id),
				Error::<T>::DuplicateScopeRecord
			);
			let record = Records::<T>::get(id).ok_or(Error::<T>::RecordNotFound)?;
			ensure!(record.patient == patient, Error::<T>::RecordNotOfPatient);
			ensure!(!metadata.is_empty(), Error::<T>::EmptyMetadata);
			ensure!(ehr_primitives::host::ehr_crypto::capsule_is_valid(capsule), Error::<T>::InvalidCapsule);
			rekeyed.push((*id, Record { capsule: capsule.clone(), encrypted_metadata: metadata.clone(), ..record }));
		}
		let count = rekeyed.len() as u32;
		for (id, record) in rekeyed {
			Records::<T>::insert(id, record);
		}
		Self::deposit_event(Event::RecordsRekeyed { patient, records: count });
		Ok(())
	}

	/// One page of `patient`'s records, in creation order. A patient's
	/// positions run from 0 without a gap (`try_state` checks it), so the
	/// page ends at the first position that holds no record: one lookup
	/// fewer than reading `PatientRecordCount` first, which is a third of a
	/// one-record page's reads (docs/benchmarks.md, "Costs as the chain grows").
	pub fn records_page(patient: &T::AccountId, page: u32, page_size: u32) -> Vec<(RecordId, RecordOf<T>)> {
		let size = page_size.min(MAX_PAGE_SIZE);
		let start = page.saturating_mul(size);
		(start..start.saturating_add(size))
			.map_while(|i| PatientRecords::<T>::get(patient, i))
			.filter_map(|id| Records::<T>::get(id).map(|record| (id, record)))
			.collect()
	}

	/// The record `custodian` made for the body with hash `body_hash`, or
	/// with `custodian` `None` a record of any custodian with that body
	/// (the one of the lowest-keyed custodian). Until the version-5
	/// migration has moved the entry ([`crate::migrations::v5`]), the
	/// chain-wide version-4 index answers, so a reader never sees a
	/// referenced body as unreferenced half-way through the migration.
	pub fn record_with_body(
		body_hash: sp_core::H256,
		custodian: Option<&T::AccountId>,
	) -> Option<(RecordId, RecordOf<T>)> {
		let indexed = match custodian {
			Some(custodian) => RecordsByBodyHash::<T>::get(body_hash, custodian),
			None => RecordsByBodyHash::<T>::iter_prefix_values(body_hash).next(),
		};
		let id = indexed.or_else(|| crate::migrations::v5::unmoved_record::<T>(body_hash))?;
		let record = Records::<T>::get(id)?;
		custodian.is_none_or(|custodian| &record.custodian == custodian).then_some((id, record))
	}
}
