//! Records: creating them from valid inputs, one per body, and retiring them.

use crate::{mock::*, types::*, Error, Event, RecordBySource, Records};
use frame_support::{assert_noop, assert_ok};
use frame_support::{traits::ConstU32, BoundedVec};

#[test]
fn retire_by_custodian_or_patient_only_and_then_not_requestable() {
	build_and_execute(|| {
		let world = World::setup();
		let first = world.create_record(HOSPITAL_A, PATIENT, b"one");
		let second = world.create_record(HOSPITAL_A, PATIENT, b"two");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		assert_noop!(
			Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_B), first),
			Error::<Test>::NotCustodianOrPatient
		);
		assert_noop!(Ehr::retire_record(RuntimeOrigin::signed(CLINICIAN), first), Error::<Test>::NotCustodianOrPatient);
		assert_noop!(Ehr::retire_record(RuntimeOrigin::signed(PATIENT), 77), Error::<Test>::RecordNotFound);
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), first));
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(PATIENT), second));
		assert_noop!(Ehr::retire_record(RuntimeOrigin::signed(PATIENT), second), Error::<Test>::AlreadyRetired);
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, first),
			Error::<Test>::RecordIsRetired
		);
		// Covered for reading only while its body is kept.
		assert!(Ehr::grant_covers(grant, first));
		run_to_block(System::block_number() + RETIREMENT_GRACE);
		assert!(!Ehr::grant_covers(grant, first));
	});
}

#[test]
fn malformed_record_inputs_are_refused() {
	build_and_execute(|| {
		let _world = World::setup();
		assert_noop!(
			Ehr::create_record(
				RuntimeOrigin::signed(HOSPITAL_A),
				PATIENT,
				bounded(vec![1; 101]),
				bounded(vec![1]),
				Default::default(),
				1
			),
			Error::<Test>::InvalidCapsule
		);
		let (capsule, _) = umbral_pre::encrypt(&Keys::new().public(), b"x").unwrap();
		assert_noop!(
			Ehr::create_record(
				RuntimeOrigin::signed(HOSPITAL_A),
				PATIENT,
				bounded(enc(&capsule)),
				bounded(vec![]),
				Default::default(),
				1
			),
			Error::<Test>::EmptyMetadata
		);
		// Oversize inputs cannot even be built: the bounds are in the types.
		let too_long: Result<EncryptedMetadata, _> = vec![0u8; MAX_ENCRYPTED_METADATA_LEN as usize + 1].try_into();
		assert!(too_long.is_err());
	});
}

#[test]
fn a_body_hash_belongs_to_one_record_of_each_custodian() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"first");
		let existing = Records::<Test>::get(record).unwrap();
		assert_eq!(crate::RecordsByBodyHash::<Test>::get(existing.body_hash, HOSPITAL_A), Some(record));
		assert_noop!(
			Ehr::create_record(
				RuntimeOrigin::signed(HOSPITAL_A),
				PATIENT,
				existing.capsule,
				existing.encrypted_metadata,
				existing.body_hash,
				1
			),
			Error::<Test>::DuplicateBody
		);
	});
}

/// AUDIT.md finding 7: hospital B sees hospital A's pending batch and, in its
/// own slot, records one of A's body hashes first. A's batch still lands;
/// each hospital's record is found under its own custodianship.
#[test]
fn another_hospital_cannot_claim_a_body_hash_first() {
	build_and_execute(|| {
		let world = World::setup();
		let records = batch(vec![
			world.new_record(PATIENT, b"one of a's", Some(1)),
			world.new_record(PATIENT, b"two of a's", Some(2)),
		]);
		let squatted = records[1].clone();
		assert_ok!(Ehr::create_record(
			RuntimeOrigin::signed(HOSPITAL_B),
			PATIENT,
			squatted.capsule.clone(),
			squatted.encrypted_metadata.clone(),
			squatted.body_hash,
			squatted.body_size
		));
		let squat = crate::NextRecordId::<Test>::get() - 1;
		let first = crate::NextRecordId::<Test>::get();
		assert_ok!(Ehr::create_records(RuntimeOrigin::signed(HOSPITAL_A), records));
		let a_record = first + 1;
		assert_eq!(Ehr::record_with_body(squatted.body_hash, Some(&HOSPITAL_A)).map(|(id, _)| id), Some(a_record));
		assert_eq!(Ehr::record_with_body(squatted.body_hash, Some(&HOSPITAL_B)).map(|(id, _)| id), Some(squat));
		assert_eq!(Records::<Test>::get(a_record).unwrap().custodian, HOSPITAL_A);
		// A custodian with no record of that body finds none, even though others have one.
		assert_eq!(Ehr::record_with_body(squatted.body_hash, Some(&HOSPITAL_C)), None);
		assert!(Ehr::record_with_body(squatted.body_hash, None).is_some());
		assert_eq!(Ehr::record_with_body(sp_core::H256::repeat_byte(9), None), None);
	});
}

fn batch(records: Vec<NewRecord<u64>>) -> BoundedVec<NewRecord<u64>, ConstU32<MAX_CREATE_RECORDS>> {
	records.try_into().expect("test batches fit the bound")
}

#[test]
fn a_batch_creates_every_record_with_its_source() {
	build_and_execute(|| {
		let world = World::setup();
		let records = batch(vec![
			world.new_record(PATIENT, b"one", Some(1)),
			world.new_record(PATIENT, b"two", Some(2)),
			world.new_record(PATIENT, b"three", None),
		]);
		let first = crate::NextRecordId::<Test>::get();
		assert_ok!(Ehr::create_records(RuntimeOrigin::signed(HOSPITAL_A), records));
		let created: Vec<RecordId> = ehr_events()
			.into_iter()
			.filter_map(|event| match event {
				Event::RecordCreated { record, patient: PATIENT, custodian: HOSPITAL_A } => Some(record),
				_ => None,
			})
			.collect();
		assert_eq!(created, vec![first, first + 1, first + 2]);
		assert_eq!(RecordBySource::<Test>::get(HOSPITAL_A, sp_core::H256::repeat_byte(1)), Some(first));
		assert_eq!(RecordBySource::<Test>::get(HOSPITAL_A, sp_core::H256::repeat_byte(2)), Some(first + 1));
		assert_eq!(RecordBySource::<Test>::iter().count(), 2);
		// Each record is on the patient's audit log, as a single create is.
		assert_eq!(Ehr::records_page(&PATIENT, 0, 10).len(), 3);
	});
}

#[test]
fn a_source_is_registered_once_per_custodian() {
	build_and_execute(|| {
		let world = World::setup();
		assert_ok!(Ehr::create_records(
			RuntimeOrigin::signed(HOSPITAL_A),
			batch(vec![world.new_record(PATIENT, b"v1", Some(9))])
		));
		// Importing the same resource version again is refused...
		assert_noop!(
			Ehr::create_records(
				RuntimeOrigin::signed(HOSPITAL_A),
				batch(vec![world.new_record(PATIENT, b"v1 again", Some(9))])
			),
			Error::<Test>::SourceAlreadyRecorded
		);
		// ...also when it is listed twice in one batch.
		assert_noop!(
			Ehr::create_records(
				RuntimeOrigin::signed(HOSPITAL_A),
				batch(vec![world.new_record(PATIENT, b"a", Some(5)), world.new_record(PATIENT, b"b", Some(5))])
			),
			Error::<Test>::SourceAlreadyRecorded
		);
		// Another hospital's tags are its own: the same tag value does not collide.
		assert_ok!(Ehr::create_records(
			RuntimeOrigin::signed(HOSPITAL_B),
			batch(vec![world.new_record(PATIENT, b"v1 at B", Some(9))])
		));
		// A retired record keeps its source, so it is not imported again.
		let record = RecordBySource::<Test>::get(HOSPITAL_A, sp_core::H256::repeat_byte(9)).unwrap();
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), record));
		assert_noop!(
			Ehr::create_records(
				RuntimeOrigin::signed(HOSPITAL_A),
				batch(vec![world.new_record(PATIENT, b"v1 after retire", Some(9))])
			),
			Error::<Test>::SourceAlreadyRecorded
		);
	});
}

#[test]
fn a_batch_with_one_bad_record_creates_none() {
	build_and_execute(|| {
		let world = World::setup();
		let before = crate::NextRecordId::<Test>::get();
		let mut bad = world.new_record(PATIENT, b"bad", Some(2));
		bad.capsule = bounded(vec![1; 101]);
		assert_noop!(
			Ehr::create_records(
				RuntimeOrigin::signed(HOSPITAL_A),
				batch(vec![world.new_record(PATIENT, b"good", Some(1)), bad])
			),
			Error::<Test>::InvalidCapsule
		);
		let mut stranger = world.new_record(PATIENT, b"stranger", None);
		stranger.patient = STRANGER;
		assert_noop!(
			Ehr::create_records(
				RuntimeOrigin::signed(HOSPITAL_A),
				batch(vec![world.new_record(PATIENT, b"good", None), stranger])
			),
			Error::<Test>::PatientNotRegistered
		);
		let mut empty = world.new_record(PATIENT, b"empty", None);
		empty.encrypted_metadata = bounded(vec![]);
		assert_noop!(
			Ehr::create_records(RuntimeOrigin::signed(HOSPITAL_A), batch(vec![empty])),
			Error::<Test>::EmptyMetadata
		);
		let twice = world.new_record(PATIENT, b"twice", None);
		assert_noop!(
			Ehr::create_records(RuntimeOrigin::signed(HOSPITAL_A), batch(vec![twice.clone(), twice])),
			Error::<Test>::DuplicateBody
		);
		assert_noop!(
			Ehr::create_records(RuntimeOrigin::signed(HOSPITAL_A), batch(vec![])),
			Error::<Test>::NoRecordsInBatch
		);
		assert_eq!(crate::NextRecordId::<Test>::get(), before);
	});
}

#[test]
fn only_a_hospital_creates_records_in_a_batch() {
	build_and_execute(|| {
		let world = World::setup();
		let records = batch(vec![world.new_record(PATIENT, b"forged", Some(1))]);
		assert_noop!(
			Ehr::create_records(RuntimeOrigin::signed(CLINICIAN), records.clone()),
			Error::<Test>::NotAHospital
		);
		assert_noop!(Ehr::create_records(RuntimeOrigin::signed(PATIENT), records.clone()), Error::<Test>::NotAHospital);
		assert_noop!(Ehr::create_records(RuntimeOrigin::none(), records), sp_runtime::DispatchError::BadOrigin);
		// A batch over the bound cannot be built, and does not decode.
		let over: Vec<NewRecord<u64>> =
			(0..=MAX_CREATE_RECORDS).map(|i| world.new_record(PATIENT, &i.to_le_bytes(), None)).collect();
		let too_many: Result<BoundedVec<NewRecord<u64>, ConstU32<MAX_CREATE_RECORDS>>, _> = over.clone().try_into();
		assert!(too_many.is_err());
		let call = codec::Encode::encode(&over);
		assert!(<BoundedVec<NewRecord<u64>, ConstU32<MAX_CREATE_RECORDS>> as codec::Decode>::decode(&mut &call[..])
			.is_err());
	});
}
