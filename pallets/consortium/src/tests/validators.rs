//! Validators and sessions: members with session keys validate, for the configured session length.

use crate::mock::*;

#[test]
fn validators_are_members_with_session_keys() {
	build_and_execute(|| {
		assert_eq!(Consortium::next_validators(), Some(vec![HOSPITAL_A, HOSPITAL_B]));
		set_session_keys(HOSPITAL_C);
		assert_eq!(Consortium::next_validators(), Some(vec![HOSPITAL_A, HOSPITAL_B, HOSPITAL_C]));
		// A non-member with keys does not validate.
		set_session_keys(STRANGER);
		set_members(&[HOSPITAL_B, HOSPITAL_C]);
		assert_eq!(Consortium::next_validators(), Some(vec![HOSPITAL_B, HOSPITAL_C]));
		// With no member holding keys, the current set stays.
		set_members(&[PATIENT]);
		assert_eq!(Consortium::next_validators(), None);
		set_members(&[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C]);
	});
}

#[test]
fn sessions_last_the_configured_length() {
	build_and_execute(|| {
		assert!(!Consortium::should_end_session(0));
		assert!(!Consortium::should_end_session(9));
		assert!(Consortium::should_end_session(10));
		System::set_block_number(10);
		Consortium::note_session_start();
		assert_eq!(Consortium::next_session_end(), 20);
		assert!(!Consortium::should_end_session(19));
		assert!(Consortium::should_end_session(20));
		assert_eq!(Consortium::session_progress(15), sp_runtime::Permill::from_percent(50));
	});
}
