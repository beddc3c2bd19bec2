//! Records: creating them from valid inputs, one per body, and retiring them.

use crate::{mock::*, types::*, Error, Records};
use frame_support::{assert_noop, assert_ok};

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
fn a_body_hash_belongs_to_one_record() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"first");
		let existing = Records::<Test>::get(record).unwrap();
		assert_eq!(crate::RecordByBodyHash::<Test>::get(existing.body_hash), Some(record));
		assert_noop!(
			Ehr::create_record(
				RuntimeOrigin::signed(HOSPITAL_B),
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
