//! The patient's audit log and its paging.

use crate::{mock::*, types::*, Error};
use frame_support::{assert_noop, assert_ok};

#[test]
fn audit_log_pages() {
	build_and_execute(|| {
		let world = World::setup();
		for i in 0..5u8 {
			world.create_record(HOSPITAL_A, PATIENT, &[i]);
		}
		assert_eq!(crate::AuditLogLen::<Test>::get(PATIENT), 5);
		assert_eq!(Ehr::audit_page(&PATIENT, 0, 2).len(), 2);
		assert_eq!(Ehr::audit_page(&PATIENT, 2, 2).len(), 1);
		assert!(Ehr::audit_page(&PATIENT, 3, 2).is_empty());
		assert!(Ehr::audit_page(&PATIENT, u32::MAX, u32::MAX).is_empty());
		assert_eq!(Ehr::records_page(&PATIENT, 1, 3).len(), 2);
		assert_eq!(Ehr::records_page(&PATIENT, 0, 1)[0].0, 0);
	});
}

#[test]
fn the_custodian_logs_a_patients_own_read_and_no_one_else_can() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"note");
		let before = crate::AuditLogLen::<Test>::get(PATIENT);
		// Another hospital's node cannot put a read of A's record on the trail.
		assert_noop!(
			Ehr::confirm_patient_read(RuntimeOrigin::signed(node_of(HOSPITAL_B)), record),
			Error::<Test>::NotTheCustodian
		);
		assert_noop!(
			Ehr::confirm_patient_read(RuntimeOrigin::signed(node_of(HOSPITAL_A)), 99),
			Error::<Test>::RecordNotFound
		);
		assert_ok!(Ehr::confirm_patient_read(RuntimeOrigin::signed(node_of(HOSPITAL_A)), record));
		assert_eq!(crate::AuditLogLen::<Test>::get(PATIENT), before + 1);
		let entry = Ehr::audit_page(&PATIENT, before, 1).pop().expect("the entry");
		assert_eq!((entry.actor, entry.action, entry.record), (HOSPITAL_A, AuditAction::PatientRead, Some(record)));
		System::assert_last_event(crate::Event::<Test>::PatientReadConfirmed { record, custodian: HOSPITAL_A }.into());
		// Retired, the body is kept for the grace and the patient still reads it.
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(PATIENT), record));
		assert_ok!(Ehr::confirm_patient_read(RuntimeOrigin::signed(node_of(HOSPITAL_A)), record));
		// Once the grace has passed, the body may be gone: no read is logged.
		run_to_block(System::block_number() + RETIREMENT_GRACE);
		assert_noop!(
			Ehr::confirm_patient_read(RuntimeOrigin::signed(node_of(HOSPITAL_A)), record),
			Error::<Test>::RecordIsRetired
		);
	});
}
