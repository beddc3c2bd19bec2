//! Grants: the checks on every argument, and revocation.

use super::{request, scope};
use crate::{mock::*, types::*, Error, Event};
use frame_support::{assert_noop, assert_ok, BoundedVec};

#[test]
fn grant_checks_every_argument() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"r");
		let other = world.create_record(HOSPITAL_A, OTHER_PATIENT, b"o");
		let proxies = |m: u8, list: &[u64]| -> BoundedVec<_, _> {
			world.grant_proxies(PATIENT, CLINICIAN, m, list).try_into().unwrap()
		};
		let g =
			|origin: u64, grantee: u64, scope: Scope, m: u8, p: BoundedVec<GrantProxy<u64>, _>, exp: Option<u64>| {
				Ehr::grant(RuntimeOrigin::signed(origin), grantee, scope, m, p, exp, Purpose::Research)
			};
		assert_noop!(
			g(STRANGER, CLINICIAN, Scope::AllRecords, 1, proxies(1, &[HOSPITAL_A]), None),
			Error::<Test>::PatientNotRegistered
		);
		assert_noop!(
			g(PATIENT, STRANGER, Scope::AllRecords, 1, proxies(1, &[HOSPITAL_A]), None),
			Error::<Test>::GranteeNotRegistered
		);
		assert_noop!(
			g(PATIENT, PATIENT, Scope::AllRecords, 1, proxies(1, &[HOSPITAL_A]), None),
			Error::<Test>::SelfGrant
		);
		assert_noop!(
			g(PATIENT, CLINICIAN, Scope::AllRecords, 0, proxies(1, &[HOSPITAL_A]), None),
			Error::<Test>::InvalidThreshold
		);
		assert_noop!(
			g(PATIENT, CLINICIAN, Scope::AllRecords, 3, proxies(2, &[HOSPITAL_A, HOSPITAL_B]), None),
			Error::<Test>::InvalidThreshold
		);
		assert_noop!(g(PATIENT, CLINICIAN, Scope::AllRecords, 1, BoundedVec::new(), None), Error::<Test>::NoProxies);
		assert_noop!(
			g(PATIENT, CLINICIAN, Scope::AllRecords, 1, proxies(1, &[HOSPITAL_A, HOSPITAL_A]), None),
			Error::<Test>::DuplicateProxy
		);
		// Hospital D never registered a proxy key.
		let unregistered =
			vec![GrantProxy { hospital: HOSPITAL_D, encrypted_kfrag: bounded(vec![1; 10]), kfrag_id: Some([1; 32]) }];
		assert_noop!(
			g(PATIENT, CLINICIAN, Scope::AllRecords, 1, unregistered.try_into().unwrap(), None),
			Error::<Test>::ProxyNotRegistered
		);
		let empty =
			vec![GrantProxy { hospital: HOSPITAL_A, encrypted_kfrag: bounded(vec![]), kfrag_id: Some([1; 32]) }];
		assert_noop!(
			g(PATIENT, CLINICIAN, Scope::AllRecords, 1, empty.try_into().unwrap(), None),
			Error::<Test>::EmptyKfrag
		);
		assert_noop!(
			g(PATIENT, CLINICIAN, Scope::AllRecords, 1, proxies(1, &[HOSPITAL_A]), Some(1)),
			Error::<Test>::ExpiryInPast
		);
		assert_noop!(g(PATIENT, CLINICIAN, scope(&[]), 1, proxies(1, &[HOSPITAL_A]), None), Error::<Test>::EmptyScope);
		assert_noop!(
			g(PATIENT, CLINICIAN, scope(&[record, record]), 1, proxies(1, &[HOSPITAL_A]), None),
			Error::<Test>::DuplicateScopeRecord
		);
		assert_noop!(
			g(PATIENT, CLINICIAN, scope(&[other]), 1, proxies(1, &[HOSPITAL_A]), None),
			Error::<Test>::RecordNotOfPatient
		);
		assert_noop!(
			g(PATIENT, CLINICIAN, scope(&[99]), 1, proxies(1, &[HOSPITAL_A]), None),
			Error::<Test>::RecordNotFound
		);
		assert_ok!(g(PATIENT, CLINICIAN, scope(&[record]), 1, proxies(1, &[HOSPITAL_A]), Some(5)));
		assert_eq!(Ehr::grants_of_patient(&PATIENT, None, MAX_PAGE_SIZE).items.len(), 1);
		assert_eq!(Ehr::grants_to_grantee(&CLINICIAN, None, MAX_PAGE_SIZE).items.len(), 1);
	});
}

#[test]
fn revoke_stops_requests_and_cfrags() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"revocable");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 2, &[HOSPITAL_A, HOSPITAL_B], None);
		let req = request(&world, grant, record);
		let cfrag = world.cfrag_for(HOSPITAL_A, req);
		assert_noop!(Ehr::revoke(RuntimeOrigin::signed(CLINICIAN), grant), Error::<Test>::NotThePatient);
		assert_noop!(Ehr::revoke(RuntimeOrigin::signed(PATIENT), 9), Error::<Test>::GrantNotFound);
		assert_ok!(Ehr::revoke(RuntimeOrigin::signed(PATIENT), grant));
		assert_noop!(Ehr::revoke(RuntimeOrigin::signed(PATIENT), grant), Error::<Test>::AlreadyRevoked);
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req, cfrag),
			Error::<Test>::GrantIsRevoked
		);
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record),
			Error::<Test>::GrantIsRevoked
		);
		assert!(
			Ehr::open_requests_for(&HOSPITAL_A, None, MAX_PAGE_SIZE).items.is_empty(),
			"proxies see no work for a revoked grant"
		);
		assert!(ehr_events().contains(&Event::GrantRevoked { grant, patient: PATIENT }));
	});
}
