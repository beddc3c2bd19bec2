//! Registering proxies, patients and providers: who may, and with which keys.

use crate::{mock::*, types::*, Error, Records};
use frame_support::{assert_noop, assert_ok, BoundedVec};

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

/// Audit finding 2, attack B: a member listed a patient (or a clinician) as
/// its "node account", so the patient's transactions counted against the
/// member's window, which the member then used up. And finding 18: a member
/// registered another hospital's proxy key as its own. Both are refused.
#[test]
fn a_hospital_cannot_list_a_person_or_another_member_or_copy_a_proxy_key() {
	build_and_execute(|| {
		let world = World::setup();
		let register = |accounts: Vec<u64>, key: PublicKeyBytes| {
			Ehr::register_proxy(RuntimeOrigin::signed(HOSPITAL_D), accounts.try_into().unwrap(), key)
		};
		let own_key = Keys::new().public_bytes();
		for victim in [PATIENT, CLINICIAN, HOSPITAL_B] {
			assert_noop!(register(vec![victim], own_key.clone()), Error::<Test>::ProxyAccountIsRegistered);
		}
		// Another hospital's proxy key is refused, whatever the accounts.
		assert_noop!(
			register(vec![node_of(HOSPITAL_D)], world.proxy_keys(HOSPITAL_A).public_bytes()),
			Error::<Test>::ProxyKeyTaken
		);
		// Its own account and a fresh key are fine, and so is keeping its key.
		assert_ok!(register(vec![HOSPITAL_D, node_of(HOSPITAL_D)], own_key.clone()));
		assert_ok!(register(vec![node_of(HOSPITAL_D)], own_key.clone()));
		// A new key frees the old one for nobody else's use until it is registered again.
		let new_key = Keys::new().public_bytes();
		assert_ok!(register(vec![node_of(HOSPITAL_D)], new_key.clone()));
		assert_eq!(crate::ProxyByKey::<Test>::get(&new_key), Some(HOSPITAL_D));
		assert_eq!(crate::ProxyByKey::<Test>::get(&own_key), None);
		// A proxy's node account cannot be registered as a person, nor can a member.
		let keys = Keys::new();
		assert_noop!(register_patient(HOSPITAL_A, node_of(HOSPITAL_D), &keys), Error::<Test>::AlreadyRegistered);
		assert_noop!(register_provider(HOSPITAL_A, HOSPITAL_C, &keys, None), Error::<Test>::AlreadyRegistered);
	});
}

#[test]
fn migration_to_v3_indexes_every_proxy_key() {
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	build_and_execute(|| {
		let world = World::setup();
		let _ = crate::ProxyByKey::<Test>::clear(u32::MAX, None);
		StorageVersion::new(2).put::<Ehr>();
		crate::migrations::v3::MigrateV2ToV3::<Test>::on_runtime_upgrade();
		assert_eq!(Ehr::on_chain_storage_version(), StorageVersion::new(3));
		for hospital in [HOSPITAL_A, HOSPITAL_B, HOSPITAL_C] {
			assert_eq!(crate::ProxyByKey::<Test>::get(world.proxy_keys(hospital).public_bytes()), Some(hospital));
		}
	});
}
