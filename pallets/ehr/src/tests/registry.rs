//! Registering proxies, patients and providers: who may, and with which keys.

use crate::{mock::*, types::*, Error, Records};
use frame_support::{assert_noop, BoundedVec};

#[test]
fn only_hospitals_register_and_create_records() {
	build_and_execute(|| {
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
	build_and_execute(|| {
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
