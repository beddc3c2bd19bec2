//! The patient's audit log and its paging.

use crate::mock::*;

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
