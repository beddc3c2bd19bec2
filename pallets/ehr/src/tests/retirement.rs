//! Retirement withdraws a record from sharing but keeps its body for the
//! retirement grace; the patient or the consortium restores it; a stolen
//! key retires only so many records per window (AUDIT.md finding 5).

use super::{check_invariants, request};
use crate::{mock::*, types::*, Error, Event, Records, RetirementsBy};
use frame_support::{assert_noop, assert_ok, BoundedVec};
use sp_runtime::traits::AccountIdConversion;

/// A `restore_records` batch of `records`.
fn batch(records: &[RecordId]) -> BoundedVec<RecordId, frame_support::traits::ConstU32<MAX_RESTORE_RECORDS>> {
	records.to_vec().try_into().expect("a small batch")
}

/// The audit entries of `patient` with `action`, as (actor, record).
fn audit_of(patient: u64, action: AuditAction) -> Vec<(u64, Option<RecordId>)> {
	Ehr::audit_page(&patient, 0, 256).into_iter().filter(|e| e.action == action).map(|e| (e.actor, e.record)).collect()
}

#[test]
fn a_stolen_custodian_key_retires_at_most_a_window_of_records_and_destroys_none() {
	build_and_execute(|| {
		let world = World::setup();
		let records: Vec<_> = (0..5u8).map(|i| world.create_record(HOSPITAL_A, PATIENT, &[i])).collect();
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let ready = request(&world, grant, records[0]);
		assert_ok!(world.deliver(HOSPITAL_A, ready));

		// The thief retires as many as one window allows; the next is refused.
		let now = System::block_number();
		for id in &records[..MAX_RETIREMENTS as usize] {
			assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), *id));
		}
		System::assert_last_event(
			Event::<Test>::RecordRetired {
				record: records[2],
				by: HOSPITAL_A,
				body_kept_until: now + RETIREMENT_GRACE,
			}
			.into(),
		);
		assert_noop!(
			Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), records[3]),
			Error::<Test>::TooManyRetirements
		);
		assert_eq!(RetirementsBy::<Test>::get(HOSPITAL_A), Some((now, MAX_RETIREMENTS)));
		// The patient sees every retirement, and who made it.
		let retired = audit_of(PATIENT, AuditAction::RecordRetired);
		assert_eq!(retired, records[..3].iter().map(|id| (HOSPITAL_A, Some(*id))).collect::<Vec<_>>());

		// Retired records are withdrawn from sharing...
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, records[1]),
			Error::<Test>::RecordIsRetired
		);
		// ...but nothing is destroyed: the ready request is still covered,
		// served and confirmed, and the patient still reads their record.
		assert!(Ehr::grant_covers(grant, records[0]));
		assert_ok!(Ehr::confirm_fetch(RuntimeOrigin::signed(node_of(HOSPITAL_A)), ready));
		assert_ok!(Ehr::confirm_patient_read(RuntimeOrigin::signed(node_of(HOSPITAL_A)), records[1]));
		assert!(Records::<Test>::iter_values().all(|r| Ehr::body_is_kept(&r, System::block_number())));

		// The next window lets the custodian retire again.
		run_to_block(now + RETIREMENT_WINDOW);
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), records[3]));
		check_invariants();
	});
}

#[test]
fn the_patient_restores_their_own_retired_records_and_no_one_else_can() {
	build_and_execute(|| {
		let world = World::setup();
		let mine = world.create_record(HOSPITAL_A, PATIENT, b"mine");
		let theirs = world.create_record(HOSPITAL_A, OTHER_PATIENT, b"theirs");
		let in_use = world.create_record(HOSPITAL_A, PATIENT, b"in use");
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), mine));
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), theirs));

		// The custodian, another patient and a stranger cannot restore it.
		for who in [HOSPITAL_A, OTHER_PATIENT, STRANGER] {
			assert_noop!(
				Ehr::restore_records(RuntimeOrigin::signed(who), batch(&[mine])),
				Error::<Test>::RecordNotOfPatient
			);
		}
		assert_noop!(Ehr::restore_records(RuntimeOrigin::none(), batch(&[mine])), sp_runtime::DispatchError::BadOrigin);
		// Nothing to restore, an empty batch, a listing twice, an unknown id:
		// refused, and nothing of the batch is restored.
		assert_noop!(
			Ehr::restore_records(RuntimeOrigin::signed(PATIENT), batch(&[mine, in_use])),
			Error::<Test>::NotRetired
		);
		assert_noop!(
			Ehr::restore_records(RuntimeOrigin::signed(PATIENT), batch(&[mine, mine])),
			Error::<Test>::NotRetired
		);
		assert_noop!(Ehr::restore_records(RuntimeOrigin::signed(PATIENT), batch(&[])), Error::<Test>::NoRecordsInBatch);
		assert_noop!(
			Ehr::restore_records(RuntimeOrigin::signed(PATIENT), batch(&[mine, 77])),
			Error::<Test>::RecordNotFound
		);
		assert_noop!(
			Ehr::restore_records(RuntimeOrigin::signed(PATIENT), batch(&[theirs])),
			Error::<Test>::RecordNotOfPatient
		);

		assert_ok!(Ehr::restore_records(RuntimeOrigin::signed(PATIENT), batch(&[mine])));
		System::assert_last_event(Event::<Test>::RecordRestored { record: mine, by: Some(PATIENT) }.into());
		assert_eq!(Records::<Test>::get(mine).and_then(|r| r.retired_at), None);
		assert_eq!(audit_of(PATIENT, AuditAction::RecordRestored), vec![(PATIENT, Some(mine))]);
		// In use again: it can be shared and requested.
		let grant = world.grant(PATIENT, CLINICIAN, super::scope(&[mine]), 1, &[HOSPITAL_A], None);
		let again = request(&world, grant, mine);
		assert_ok!(world.deliver(HOSPITAL_A, again));
		assert_eq!(world.open(again), b"mine".to_vec());
	});
}

#[test]
fn the_consortium_restores_any_record_and_is_named_on_the_audit_trail() {
	build_and_execute(|| {
		let world = World::setup();
		let first = world.create_record(HOSPITAL_A, PATIENT, b"one");
		let second = world.create_record(HOSPITAL_A, OTHER_PATIENT, b"two");
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), first));
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(OTHER_PATIENT), second));
		assert_ok!(Ehr::restore_records(RuntimeOrigin::signed(GOVERNANCE), batch(&[first, second])));
		System::assert_has_event(Event::<Test>::RecordRestored { record: first, by: None }.into());
		System::assert_last_event(Event::<Test>::RecordRestored { record: second, by: None }.into());
		let consortium = Ehr::consortium_account();
		let as_account32: sp_core::crypto::AccountId32 = crate::CONSORTIUM_PALLET_ID.into_account_truncating();
		assert_eq!(
			as_account32,
			sp_core::crypto::AccountId32::new(CONSORTIUM_ACCOUNT),
			"clients name the account the pallet logs"
		);
		assert!(![HOSPITAL_A, PATIENT, OTHER_PATIENT, GOVERNANCE].contains(&consortium));
		assert_eq!(audit_of(OTHER_PATIENT, AuditAction::RecordRestored), vec![(consortium, Some(second))]);
		assert_eq!(audit_of(PATIENT, AuditAction::RecordRestored), vec![(consortium, Some(first))]);
		assert!(Records::<Test>::iter_values().all(|r| r.retired_at.is_none()));
	});
}

#[test]
fn after_the_grace_a_retirement_is_final() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"old");
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(HOSPITAL_A), record));
		let retired_at = System::block_number();
		run_to_block(retired_at + RETIREMENT_GRACE - 1);
		let stored = Records::<Test>::get(record).expect("the record");
		assert!(Ehr::body_is_kept(&stored, System::block_number()), "kept until the grace has passed");
		run_to_block(retired_at + RETIREMENT_GRACE);
		assert!(!Ehr::body_is_kept(&stored, System::block_number()), "the custodian may delete the body now");
		assert_eq!(stored.body_kept_until(RETIREMENT_GRACE), Some(retired_at + RETIREMENT_GRACE));
		for origin in [PATIENT, GOVERNANCE] {
			assert_noop!(
				Ehr::restore_records(RuntimeOrigin::signed(origin), batch(&[record])),
				Error::<Test>::GracePeriodOver
			);
		}
	});
}

#[test]
fn a_longer_grace_set_by_the_consortium_keeps_bodies_longer() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"kept");
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(PATIENT), record));
		let retired_at = System::block_number();
		let longer = EhrParameters { retirement_grace: 2 * RETIREMENT_GRACE, ..DefaultParameters::get() };
		assert_ok!(Ehr::set_parameters(RuntimeOrigin::signed(GOVERNANCE), longer));
		run_to_block(retired_at + RETIREMENT_GRACE);
		assert_ok!(Ehr::restore_records(RuntimeOrigin::signed(PATIENT), batch(&[record])));
	});
}
