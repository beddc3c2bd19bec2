//! Quotas on the chain's shared capacity: one hospital's people share a
//! quarter-like slice of a block's request slots, requests on one patient's
//! records are bounded per block, and a hospital registers a bounded number
//! of people per window (audit finding 3: one member's sybil grantees took
//! every request slot of every block).

use crate::{mock::*, types::*, Error, RegistrationsBy};
use frame_support::{assert_noop, assert_ok};

/// Audit finding 3 on the mock: hospital B's grantees (its sybils, as far
/// as the chain can tell) open requests until B's share of the block is
/// used; B's next grantee is refused, while a clinician of hospital C still
/// gets a slot in the same block, and B's people get theirs again in the next.
#[test]
fn one_hospitals_grantees_take_at_most_its_share_of_a_blocks_requests() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"flooded");
		let other_record = world.create_record(HOSPITAL_A, OTHER_PATIENT, b"honest");
		let sybil = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let second_sybil = world.grant(PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let honest = world.grant(OTHER_PATIENT, VISITING_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		for _ in 0..2 {
			assert_ok!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), sybil, record));
		}
		// A fresh grantee of the same hospital is refused: the share is the hospital's.
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(OTHER_CLINICIAN), second_sybil, record),
			Error::<Test>::TooManyRequestsFromHospital
		);
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(VISITING_CLINICIAN), honest, other_record));
		run_to_block(System::block_number() + 1);
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(OTHER_CLINICIAN), second_sybil, record));
	});
}

/// Grantees of different hospitals cannot together take a block's slots for
/// one patient's records (a hostile patient's many grants, or many grantees
/// of one patient): the patient's share ends, others' records still get in.
#[test]
fn requests_on_one_patients_records_are_bounded_per_block() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"popular");
		let other_record = world.create_record(HOSPITAL_A, OTHER_PATIENT, b"quiet");
		let grants: Vec<_> = [CLINICIAN, OTHER_PATIENT, VISITING_CLINICIAN]
			.into_iter()
			.map(|grantee| (grantee, world.grant(PATIENT, grantee, Scope::AllRecords, 1, &[HOSPITAL_A], None)))
			.collect();
		let other = world.grant(PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let elsewhere = world.grant(OTHER_PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		for (grantee, grant) in &grants {
			assert_ok!(Ehr::request_access(RuntimeOrigin::signed(*grantee), *grant, record));
		}
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(OTHER_CLINICIAN), other, record),
			Error::<Test>::TooManyRequestsForPatient
		);
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(OTHER_CLINICIAN), elsewhere, other_record));
	});
}

/// A member (or its stolen key) registers at most its quota of people per
/// window; other hospitals are not held up, and the next window has room.
#[test]
fn a_hospital_registers_a_bounded_number_of_people_per_window() {
	build_and_execute(|| {
		let _world = World::setup();
		let keys = Keys::new();
		let already = RegistrationsBy::<Test>::get(HOSPITAL_C).map_or(0, |(_, count)| count);
		let mut next = 600;
		for _ in already..MAX_REGISTRATIONS {
			assert_ok!(register_provider(HOSPITAL_C, next, &keys, None));
			next += 1;
		}
		assert_noop!(register_provider(HOSPITAL_C, next, &keys, None), Error::<Test>::TooManyRegistrations);
		assert_noop!(register_patient(HOSPITAL_C, next, &keys), Error::<Test>::TooManyRegistrations);
		// Another hospital is not held up.
		assert_ok!(register_patient(HOSPITAL_D, next, &keys));
		next += 1;
		run_to_block(System::block_number() + REGISTRATION_WINDOW);
		assert_ok!(register_provider(HOSPITAL_C, next, &keys, None));
	});
}

/// A member (or its stolen key) creating records for patients another
/// hospital registered is bounded per window; records for the patients it
/// registered itself are not, and the window opens again later.
#[test]
fn records_for_another_hospitals_patients_are_bounded_per_window() {
	build_and_execute(|| {
		let world = World::setup();
		// Hospital A registered PATIENT; B creates records for them up to its bound.
		for i in 0..MAX_RECORDS_FOR_OTHERS {
			world.create_record(HOSPITAL_B, PATIENT, format!("b's record {i}").as_bytes());
		}
		let next = world.new_record(PATIENT, b"one too many", None);
		let before = crate::NextRecordId::<Test>::get();
		assert_noop!(
			Ehr::create_records(RuntimeOrigin::signed(HOSPITAL_B), vec![next.clone()].try_into().unwrap()),
			Error::<Test>::TooManyRecordsForOthers
		);
		assert_noop!(
			Ehr::create_record(
				RuntimeOrigin::signed(HOSPITAL_B),
				PATIENT,
				next.capsule.clone(),
				next.encrypted_metadata.clone(),
				next.body_hash,
				next.body_size
			),
			Error::<Test>::TooManyRecordsForOthers
		);
		assert_eq!(crate::NextRecordId::<Test>::get(), before, "nothing was created");
		// The hospital that registered the patient is not bounded by this.
		for i in 0..MAX_RECORDS_FOR_OTHERS + 1 {
			world.create_record(HOSPITAL_A, PATIENT, format!("a's record {i}").as_bytes());
		}
		// Nor is another member: each hospital has its own window.
		world.create_record(HOSPITAL_C, PATIENT, b"c's record");
		// B's next window admits it again.
		run_to_block(System::block_number() + REGISTRATION_WINDOW);
		assert_ok!(Ehr::create_records(RuntimeOrigin::signed(HOSPITAL_B), vec![next].try_into().unwrap()));
	});
}
