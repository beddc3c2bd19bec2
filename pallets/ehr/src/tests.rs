//! Unit tests of pallet-ehr on the mock runtime, with real Umbral objects.

use crate::{mock::*, types::*, Error, Event, Records, Requests};
use frame_support::{assert_noop, assert_ok, BoundedVec};

fn scope(records: &[RecordId]) -> Scope {
	Scope::Records(records.to_vec().try_into().unwrap())
}

fn request(world: &World, grant: GrantId, record: RecordId) -> RequestId {
	let _ = world;
	let id = crate::NextRequestId::<Test>::get();
	assert_ok!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record));
	id
}

fn check_invariants() {
	Ehr::do_try_state().expect("invariants hold");
}

#[test]
fn whole_flow_delivers_the_envelope_to_the_grantee() {
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"envelope: body key and metadata");
		let grant = world.grant(PATIENT, CLINICIAN, scope(&[record]), 2, &[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C], None);
		let req = request(&world, grant, record);
		assert_eq!(Ehr::open_requests_for(&HOSPITAL_B).len(), 1);

		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Open);
		assert_ok!(world.deliver(HOSPITAL_C, req));
		let ready = Requests::<Test>::get(req).unwrap();
		assert_eq!(ready.status, RequestStatus::Ready);
		assert_eq!(ready.cfrags.len(), 2);
		assert!(Ehr::open_requests_for(&HOSPITAL_B).is_empty());
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
		check_invariants();
	});
}

#[test]
fn threshold_is_reached_exactly_at_m() {
	new_test_ext().execute_with(|| {
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

#[test]
fn only_hospitals_register_and_create_records() {
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let keys = Keys::new();
		assert_noop!(register_patient(STRANGER, 500, &keys), Error::<Test>::NotAHospital);
		assert_noop!(register_provider(STRANGER, 500, &keys, None), Error::<Test>::NotAHospital);
		assert_noop!(
			Ehr::register_proxy(RuntimeOrigin::signed(STRANGER), vec![501].try_into().unwrap(), keys.public_bytes()),
			Error::<Test>::NotAHospital
		);
		let capsule = Records::<Test>::get(world.create_record(HOSPITAL_A, PATIENT, b"x")).unwrap().capsule;
		assert_noop!(
			Ehr::create_record(
				RuntimeOrigin::signed(PATIENT),
				PATIENT,
				capsule.clone(),
				bounded(vec![1]),
				Default::default(),
				1
			),
			Error::<Test>::NotAHospital
		);
		assert_noop!(
			Ehr::create_record(
				RuntimeOrigin::signed(HOSPITAL_A),
				STRANGER,
				capsule,
				bounded(vec![1]),
				Default::default(),
				1
			),
			Error::<Test>::PatientNotRegistered
		);
	});
}

#[test]
fn registration_checks_keys_duplicates_and_affiliation() {
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let keys = Keys::new();
		assert_noop!(register_patient(HOSPITAL_A, PATIENT, &keys), Error::<Test>::AlreadyRegistered);
		assert_noop!(register_provider(HOSPITAL_A, PATIENT, &keys, None), Error::<Test>::AlreadyRegistered);
		let garbage: PublicKeyBytes = bounded(vec![2; 34]);
		let proof = ownership_proof(500, &garbage, Some(&keys.verifying_bytes()));
		assert_noop!(
			Ehr::register_patient(RuntimeOrigin::signed(HOSPITAL_A), 500, garbage, keys.verifying_bytes(), proof),
			Error::<Test>::InvalidPublicKey
		);
		// A provider's affiliation names the registering hospital or nothing.
		for other in [STRANGER, HOSPITAL_B] {
			assert_noop!(
				register_provider(HOSPITAL_A, 500, &keys, Some(other)),
				Error::<Test>::AffiliationNotTheRegistrar
			);
		}
		// A node account cannot serve two hospitals.
		assert_noop!(
			Ehr::register_proxy(
				RuntimeOrigin::signed(HOSPITAL_D),
				vec![node_of(HOSPITAL_A)].try_into().unwrap(),
				keys.public_bytes()
			),
			Error::<Test>::ProxyAccountTaken
		);
		assert_noop!(
			Ehr::register_proxy(RuntimeOrigin::signed(HOSPITAL_D), BoundedVec::new(), keys.public_bytes()),
			Error::<Test>::NoProxyAccounts
		);
		// Registered identities get an account reference, so they can transact without a balance.
		assert!(frame_system::Pallet::<Test>::providers(&PATIENT) > 0);
		assert!(frame_system::Pallet::<Test>::providers(&node_of(HOSPITAL_B)) > 0);
		let _ = world;
	});
}

#[test]
fn retire_by_custodian_or_patient_only_and_then_not_requestable() {
	new_test_ext().execute_with(|| {
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
fn grant_checks_every_argument() {
	new_test_ext().execute_with(|| {
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
		assert_eq!(Ehr::grants_of_patient(&PATIENT).len(), 1);
		assert_eq!(Ehr::grants_to_grantee(&CLINICIAN).len(), 1);
	});
}

#[test]
fn requests_need_the_grantee_a_live_grant_and_a_record_in_scope() {
	new_test_ext().execute_with(|| {
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
fn revoke_stops_requests_and_cfrags() {
	new_test_ext().execute_with(|| {
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
		assert!(Ehr::open_requests_for(&HOSPITAL_A).is_empty(), "proxies see no work for a revoked grant");
		assert!(ehr_events().contains(&Event::GrantRevoked { grant, patient: PATIENT }));
	});
}

#[test]
fn expired_grant_refuses_cfrags() {
	new_test_ext().execute_with(|| {
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
	new_test_ext().execute_with(|| {
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
		check_invariants();
	});
}

#[test]
fn too_many_requests_in_one_block_are_refused() {
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"busy");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let other = world.grant(PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let third = world.grant(PATIENT, OTHER_PATIENT, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		for (grantee, grant) in [(CLINICIAN, grant), (OTHER_CLINICIAN, other)] {
			for _ in 0..2 {
				assert_ok!(Ehr::request_access(RuntimeOrigin::signed(grantee), grant, record));
			}
		}
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(OTHER_PATIENT), third, record),
			Error::<Test>::TooManyRequestsInBlock
		);
		check_invariants();
	});
}

#[test]
fn cfrags_are_verified_on_chain() {
	new_test_ext().execute_with(|| {
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
		let stolen_grant = world.grant(PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let stolen_req = crate::NextRequestId::<Test>::get();
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(OTHER_CLINICIAN), stolen_grant, record));
		assert_noop!(
			Ehr::submit_cfrag(node_a.clone(), req, world.cfrag_for(HOSPITAL_A, stolen_req)),
			Error::<Test>::CfragWrongKeyFrag
		);

		// The honest cfrag is accepted, once.
		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_noop!(world.deliver(HOSPITAL_A, req), Error::<Test>::CfragAlreadySubmitted);
		assert_noop!(Ehr::submit_cfrag(node_a, 77, world.cfrag_for(HOSPITAL_A, req)), Error::<Test>::RequestNotFound);
		check_invariants();
	});
}

#[test]
fn confirm_fetch_only_by_custodian_once_ready() {
	new_test_ext().execute_with(|| {
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
		check_invariants();
	});
}

#[test]
fn malformed_record_inputs_are_refused() {
	new_test_ext().execute_with(|| {
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
	new_test_ext().execute_with(|| {
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

#[test]
fn oversize_call_arguments_do_not_decode() {
	use codec::{Decode, Encode};
	new_test_ext().execute_with(|| {
		// A create_record call whose metadata is one byte over the bound, encoded by hand.
		let mut encoded = vec![1u8, 3u8]; // pallet index 1 (Ehr), call index 3
		encoded.extend(PATIENT.encode());
		encoded.extend(vec![0u8; 101].encode());
		encoded.extend(vec![0u8; MAX_ENCRYPTED_METADATA_LEN as usize + 1].encode());
		encoded.extend(sp_core::H256::zero().encode());
		encoded.extend(1u64.encode());
		assert!(RuntimeCall::decode(&mut &encoded[..]).is_err());
	});
}

#[test]
fn nothing_in_clear_reaches_storage_or_events() {
	const MARKER: &[u8] = b"CONDITION-MARKER-HIV-POSITIVE-Jane-Doe";
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let mut envelope = b"{\"resourceType\":\"Observation\",\"title\":\"".to_vec();
		envelope.extend_from_slice(MARKER);
		envelope.extend_from_slice(b"\"}");
		let record = world.create_record(HOSPITAL_A, PATIENT, &envelope);
		let grant =
			world.grant(PATIENT, CLINICIAN, scope(&[record]), 2, &[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C], Some(50));
		let req = request(&world, grant, record);
		assert_ok!(world.deliver(HOSPITAL_B, req));
		assert_ok!(world.deliver(HOSPITAL_C, req));
		assert_ok!(Ehr::confirm_fetch(RuntimeOrigin::signed(HOSPITAL_A), req));
		assert_ok!(Ehr::revoke(RuntimeOrigin::signed(PATIENT), grant));
		assert_ok!(Ehr::retire_record(RuntimeOrigin::signed(PATIENT), record));
		// The grantee really can read it: the marker is in the plaintext.
		assert!(world.open(req).windows(MARKER.len()).any(|w| w == MARKER));

		let mut dump = Vec::new();
		let mut key = Vec::new();
		while let Some(next) = sp_io::storage::next_key(&key) {
			dump.extend(sp_io::storage::get(&next).map(|v| v.to_vec()).unwrap_or_default());
			dump.extend(&next);
			key = next;
		}
		for record in System::events() {
			dump.extend(codec::Encode::encode(&record));
		}
		assert!(dump.len() > 5_000, "the dump holds the flow's state");
		assert!(!dump.windows(MARKER.len()).any(|w| w == MARKER), "marker found on chain");
		assert!(!dump.windows(11).any(|w| w == b"Observation"), "resource type found on chain");
	});
}

#[test]
fn audit_log_pages() {
	new_test_ext().execute_with(|| {
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
fn hospitals_voted_in_and_out_keep_their_account_and_nonce() {
	use frame_support::traits::ChangeMembers;
	new_test_ext().execute_with(|| {
		<Ehr as ChangeMembers<u64>>::change_members_sorted(&[50], &[], &[50]);
		assert_eq!(frame_system::Pallet::<Test>::providers(&50), 1);
		frame_system::Pallet::<Test>::inc_account_nonce(50);
		<Ehr as ChangeMembers<u64>>::change_members_sorted(&[], &[50], &[]);
		// The account is never reaped, so its nonce never resets and its old
		// transactions cannot be replayed.
		assert_eq!(frame_system::Pallet::<Test>::providers(&50), 1);
		assert_eq!(frame_system::Pallet::<Test>::account_nonce(50), 1);
		<Ehr as ChangeMembers<u64>>::change_members_sorted(&[50], &[], &[50]);
		assert_eq!(frame_system::Pallet::<Test>::providers(&50), 1);
		check_invariants();
	});
}

mod attacks;

mod fuzz {
	use super::*;
	use codec::Decode;
	use proptest::prelude::*;

	proptest! {
		#![proptest_config(ProptestConfig::with_cases(48))]

		/// Random bytes in every byte-taking argument: errors, never panics,
		/// and the invariants still hold.
		#[test]
		fn random_bytes_in_calls_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
			new_test_ext().execute_with(|| {
				let world = World::setup();
				let record = world.create_record(HOSPITAL_A, PATIENT, b"fuzz");
				let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
				let req = request(&world, grant, record);
				let key: PublicKeyBytes = bytes.iter().take(34).cloned().collect::<Vec<_>>().try_into().unwrap();
				let _ = Ehr::register_proxy(RuntimeOrigin::signed(HOSPITAL_D), vec![node_of(HOSPITAL_D)].try_into().unwrap(), key.clone());
				let proof = ownership_proof(700, &key, Some(&key));
				let _ = Ehr::register_patient(RuntimeOrigin::signed(HOSPITAL_A), 700, key.clone(), key.clone(), proof);
				let proof = ownership_proof(701, &key, None);
				let _ = Ehr::register_provider(RuntimeOrigin::signed(HOSPITAL_A), 701, key.clone(), None, proof);
				let _ = Ehr::rotate_keys(RuntimeOrigin::signed(PATIENT), key.clone(), Some(key.clone()));
				let _ = Ehr::rotate_keys(RuntimeOrigin::signed(CLINICIAN), key, None);
				let capsule: CapsuleBytes = bytes.iter().take(101).cloned().collect::<Vec<_>>().try_into().unwrap();
				let _ = Ehr::create_record(RuntimeOrigin::signed(HOSPITAL_A), PATIENT, capsule, bounded(bytes.clone()), Default::default(), 0);
				let cfrag: CfragBytes = bytes.iter().take(369).cloned().collect::<Vec<_>>().try_into().unwrap();
				prop_assert!(Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req, cfrag).is_err());
				if let Ok(call) = RuntimeCall::decode(&mut &bytes[..]) {
					use sp_runtime::traits::Dispatchable;
					let _ = call.dispatch(RuntimeOrigin::signed(CLINICIAN));
				}
				Ehr::do_try_state().expect("invariants hold");
				Ok(())
			})?;
		}
	}
}

#[test]
fn migration_to_v2_keeps_old_grants_without_kfrag_ids_and_drops_unusable_ones() {
	use crate::migrations::v2::{MigrateV1ToV2, OldGrant, OldGrantProxy};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let good = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let bad = world.grant(PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		// Write both back in the version-1 layout; the second with a sealed kfrag
		// larger than sealing ever produces (version 1 allowed up to 768 bytes).
		for (id, kfrag_len) in [(good, None), (bad, Some(600))] {
			let grant = crate::Grants::<Test>::get(id).unwrap();
			let proxies = grant
				.proxies
				.iter()
				.map(|p| OldGrantProxy {
					hospital: p.hospital,
					encrypted_kfrag: kfrag_len
						.map_or(p.encrypted_kfrag.to_vec(), |len| vec![1; len])
						.try_into()
						.unwrap(),
				})
				.collect::<Vec<_>>();
			let old = OldGrant {
				patient: grant.patient,
				grantee: grant.grantee,
				scope: grant.scope,
				threshold: grant.threshold,
				proxies: proxies.try_into().unwrap(),
				expires_at: grant.expires_at,
				purpose: grant.purpose,
				created_at: grant.created_at,
				revoked_at: grant.revoked_at,
			};
			frame_support::storage::unhashed::put(&crate::Grants::<Test>::hashed_key_for(id), &old);
		}
		StorageVersion::new(1).put::<Ehr>();
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Ehr::on_chain_storage_version(), StorageVersion::new(2));
		let migrated = crate::Grants::<Test>::get(good).expect("the usable grant is kept");
		assert!(migrated.proxies.iter().all(|p| p.kfrag_id.is_none()));
		assert!(crate::Grants::<Test>::get(bad).is_none());
		assert!(!crate::GrantsByGrantee::<Test>::contains_key(OTHER_CLINICIAN, bad));
		check_invariants();
		// The migrated grant still works.
		let record = world.create_record(HOSPITAL_A, PATIENT, b"after the upgrade");
		let req = request(&world, good, record);
		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_eq!(world.open(req), b"after the upgrade".to_vec());
		// Running it again does nothing.
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert!(crate::Grants::<Test>::get(good).is_some());
		check_invariants();
	});
}
