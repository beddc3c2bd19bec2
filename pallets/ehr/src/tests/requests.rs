//! Access requests, the cfrags proxies submit for them, fetch confirmations and expiry.

use super::{request, scope};
use crate::{mock::*, types::*, Error, Event, Requests};
use frame_support::{assert_noop, assert_ok};

#[test]
fn requests_need_the_grantee_a_live_grant_and_a_record_in_scope() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"in scope");
		let outside = world.create_record(HOSPITAL_A, PATIENT, b"not in scope");
		let others = world.create_record(HOSPITAL_A, OTHER_PATIENT, b"other patient's");
		let grant = world.grant(PATIENT, CLINICIAN, scope(&[record]), 1, &[HOSPITAL_A], Some(20));
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(OTHER_CLINICIAN), grant, record),
			Error::<Test>::NotTheGrantee
		);
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, outside),
			Error::<Test>::RecordNotInScope
		);
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, others),
			Error::<Test>::RecordNotInScope
		);
		assert_noop!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), 42, record), Error::<Test>::GrantNotFound);
		assert_noop!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, 42), Error::<Test>::RecordNotFound);

		// An all-records grant covers records created after it, but never another patient's.
		let all = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let later = world.create_record(HOSPITAL_B, PATIENT, b"later");
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), all, later));
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), all, others),
			Error::<Test>::RecordNotInScope
		);

		run_to_block(21);
		assert_noop!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record), Error::<Test>::GrantExpired);
	});
}

#[test]
fn expired_grant_refuses_cfrags() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"short-lived");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], Some(3));
		let req = request(&world, grant, record);
		let cfrag = world.cfrag_for(HOSPITAL_A, req);
		run_to_block(4);
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req, cfrag),
			Error::<Test>::GrantExpired
		);
	});
}

#[test]
fn unready_requests_expire_and_leave_the_proxy_queue() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"slow proxies");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 2, &[HOSPITAL_A, HOSPITAL_B], None);
		let req = request(&world, grant, record);
		let cfrag = world.cfrag_for(HOSPITAL_A, req);
		run_to_block(11); // opened at 1, timeout 10: still open at 11
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Open);
		run_to_block(12);
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Expired);
		assert!(crate::OpenRequestsByProxy::<Test>::iter().next().is_none());
		assert!(ehr_events().contains(&Event::RequestExpired { request: req }));
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req, cfrag),
			Error::<Test>::RequestNotOpen
		);
	});
}

#[test]
fn too_many_requests_in_one_block_are_refused() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"busy");
		let other_record = world.create_record(HOSPITAL_A, OTHER_PATIENT, b"busy too");
		let to_clinician = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let to_other_patient = world.grant(PATIENT, OTHER_PATIENT, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let to_patient = world.grant(OTHER_PATIENT, PATIENT, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let to_visitor = world.grant(OTHER_PATIENT, VISITING_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		// Four requests, within every grantee's, hospital's and patient's share, fill the block.
		for (grantee, grant, record) in [
			(CLINICIAN, to_clinician, record),
			(CLINICIAN, to_clinician, record),
			(OTHER_PATIENT, to_other_patient, record),
			(PATIENT, to_patient, other_record),
		] {
			assert_ok!(Ehr::request_access(RuntimeOrigin::signed(grantee), grant, record));
		}
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(VISITING_CLINICIAN), to_visitor, other_record),
			Error::<Test>::TooManyRequestsInBlock
		);
		run_to_block(System::block_number() + 1);
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(VISITING_CLINICIAN), to_visitor, other_record));
	});
}

#[test]
fn cfrags_are_verified_on_chain() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"verified");
		let other_record = world.create_record(HOSPITAL_A, PATIENT, b"another capsule");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 2, &[HOSPITAL_A, HOSPITAL_B], None);
		let req = request(&world, grant, record);
		let other_req = request(&world, grant, other_record);
		let node_a = RuntimeOrigin::signed(node_of(HOSPITAL_A));

		// Not a proxy account at all, and a proxy outside the grant.
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(STRANGER), req, world.cfrag_for(HOSPITAL_A, req)),
			Error::<Test>::NotAProxyAccount
		);
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_C)), req, world.cfrag_for(HOSPITAL_A, req)),
			Error::<Test>::ProxyNotInGrant
		);
		// A cfrag of another capsule.
		assert_noop!(
			Ehr::submit_cfrag(node_a.clone(), req, world.cfrag_for(HOSPITAL_A, other_req)),
			Error::<Test>::CfragInvalid
		);
		// A tampered cfrag: one byte of the proof changed.
		let mut tampered = world.cfrag_for(HOSPITAL_A, req).into_inner();
		let last = tampered.len() - 1;
		tampered[last] ^= 1;
		let result = Ehr::submit_cfrag(node_a.clone(), req, bounded(tampered));
		assert!(
			result == Err(Error::<Test>::CfragInvalid.into())
				|| result == Err(Error::<Test>::CfragWrongKeyFrag.into())
				|| result == Err(Error::<Test>::MalformedCfrag.into()),
			"tampered cfrag refused, got {result:?}"
		);
		// Garbage bytes.
		assert_noop!(Ehr::submit_cfrag(node_a.clone(), req, bounded(vec![0xAB; 369])), Error::<Test>::MalformedCfrag);
		// A cfrag made from a kfrag for another grantee.
		let stolen_grant = world.grant(PATIENT, VISITING_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let stolen_req = crate::NextRequestId::<Test>::get();
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(VISITING_CLINICIAN), stolen_grant, record));
		assert_noop!(
			Ehr::submit_cfrag(node_a.clone(), req, world.cfrag_for(HOSPITAL_A, stolen_req)),
			Error::<Test>::CfragWrongKeyFrag
		);

		// The honest cfrag is accepted, once.
		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_noop!(world.deliver(HOSPITAL_A, req), Error::<Test>::CfragAlreadySubmitted);
		assert_noop!(Ehr::submit_cfrag(node_a, 77, world.cfrag_for(HOSPITAL_A, req)), Error::<Test>::RequestNotFound);
	});
}

#[test]
fn confirm_fetch_only_by_custodian_once_ready() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"fetch");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_B], None);
		let req = request(&world, grant, record);
		assert_noop!(Ehr::confirm_fetch(RuntimeOrigin::signed(HOSPITAL_A), req), Error::<Test>::RequestNotReady);
		assert_ok!(world.deliver(HOSPITAL_B, req));
		assert_noop!(
			Ehr::confirm_fetch(RuntimeOrigin::signed(node_of(HOSPITAL_B)), req),
			Error::<Test>::NotTheCustodian
		);
		assert_noop!(Ehr::confirm_fetch(RuntimeOrigin::signed(HOSPITAL_A), 99), Error::<Test>::RequestNotFound);
		assert_ok!(Ehr::confirm_fetch(RuntimeOrigin::signed(HOSPITAL_A), req));
	});
}
