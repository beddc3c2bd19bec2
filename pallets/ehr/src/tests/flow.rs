//! The whole flow, from record to fetch, and the m-of-n threshold.

use super::{request, scope};
use crate::{mock::*, types::*, Error, Event, Requests};
use frame_support::{assert_noop, assert_ok};

#[test]
fn whole_flow_delivers_the_envelope_to_the_grantee() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"envelope: body key and metadata");
		let grant = world.grant(PATIENT, CLINICIAN, scope(&[record]), 2, &[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C], None);
		let req = request(&world, grant, record);
		assert_eq!(Ehr::open_requests_for(&HOSPITAL_B, None, MAX_PAGE_SIZE).items.len(), 1);

		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Open);
		assert_ok!(world.deliver(HOSPITAL_C, req));
		let ready = Requests::<Test>::get(req).unwrap();
		assert_eq!(ready.status, RequestStatus::Ready);
		assert_eq!(ready.cfrags.len(), 2);
		assert!(Ehr::open_requests_for(&HOSPITAL_B, None, MAX_PAGE_SIZE).items.is_empty());
		assert_eq!(world.open(req), b"envelope: body key and metadata".to_vec());

		// The proxy that came late is refused: the request is no longer open.
		assert_noop!(world.deliver(HOSPITAL_B, req), Error::<Test>::RequestNotOpen);

		assert_ok!(Ehr::confirm_fetch(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req));
		assert_eq!(Requests::<Test>::get(req).unwrap().fetches, 1);
		assert!(ehr_events().contains(&Event::RequestReady { request: req }));
		assert!(ehr_events().contains(&Event::FetchConfirmed { request: req, custodian: HOSPITAL_A }));

		let actions: Vec<_> = Ehr::audit_page(&PATIENT, 0, 100).into_iter().map(|e| (e.action, e.actor)).collect();
		assert_eq!(
			actions,
			vec![
				(AuditAction::RecordCreated, HOSPITAL_A),
				(AuditAction::GrantCreated, PATIENT),
				(AuditAction::AccessRequested, CLINICIAN),
				(AuditAction::CfragAccepted, HOSPITAL_A),
				(AuditAction::CfragAccepted, HOSPITAL_C),
				(AuditAction::RequestReady, PATIENT),
				(AuditAction::FetchConfirmed, HOSPITAL_A),
			]
		);
	});
}

#[test]
fn threshold_is_reached_exactly_at_m() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"m of n");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 3, &[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C], None);
		let req = request(&world, grant, record);
		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_ok!(world.deliver(HOSPITAL_B, req));
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Open);
		assert!(!ehr_events().contains(&Event::RequestReady { request: req }));
		assert_ok!(world.deliver(HOSPITAL_C, req));
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Ready);
		assert_eq!(world.open(req), b"m of n".to_vec());
	});
}
