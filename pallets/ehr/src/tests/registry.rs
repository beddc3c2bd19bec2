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
			Ehr::register_proxy(
				RuntimeOrigin::signed(STRANGER),
				consenting_nodes(STRANGER, &[501]),
				keys.public_bytes()
			),
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
				consenting_nodes(HOSPITAL_D, &[node_of(HOSPITAL_A)]),
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
			Ehr::register_proxy(RuntimeOrigin::signed(HOSPITAL_D), consenting_nodes(HOSPITAL_D, &accounts), key)
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

/// Audit finding 2, attack A: hospital V's new node shows its proxy account
/// on its public `ehr_status`, and member M lists that account as its own
/// before V's staff register it, so V's node would serve M. The chain now
/// needs the node account's own consent to act for the hospital listing it.
#[test]
fn a_member_cannot_list_another_hospitals_node_account_without_its_consent() {
	use sp_runtime::testing::TestSignature;
	build_and_execute(|| {
		let world = World::setup();
		let (squatter, victim, fresh) = (HOSPITAL_D, HOSPITAL_B, 600);
		let key = Keys::new().public_bytes();
		let register = |hospital: u64, consent: Option<TestSignature>| {
			let nodes = vec![ProxyNodeAccount { account: fresh, consent }];
			Ehr::register_proxy(RuntimeOrigin::signed(hospital), nodes.try_into().unwrap(), key.clone())
		};
		let consent_for =
			|hospital: u64| TestSignature(fresh, Ehr::proxy_account_consent(&hospital, &fresh).signing_payload());
		// No consent; the node's consent to its own hospital, replayed; a
		// consent for the squatter signed by another account.
		assert_noop!(register(squatter, None), Error::<Test>::InvalidProxyAccountConsent);
		assert_noop!(register(squatter, Some(consent_for(victim))), Error::<Test>::InvalidProxyAccountConsent);
		let forged = TestSignature(squatter, Ehr::proxy_account_consent(&squatter, &fresh).signing_payload());
		assert_noop!(register(squatter, Some(forged)), Error::<Test>::InvalidProxyAccountConsent);
		assert_eq!(crate::ProxyAccountOf::<Test>::get(fresh), None);

		// The victim registers its node with the node's consent, and keeps it
		// listed later without asking again; its own account needs none.
		let victim_key = world.proxy_keys(victim).public_bytes();
		let victim_nodes = consenting_nodes(victim, &[fresh, node_of(victim)]);
		assert_ok!(Ehr::register_proxy(RuntimeOrigin::signed(victim), victim_nodes, victim_key.clone()));
		assert_eq!(crate::ProxyAccountOf::<Test>::get(fresh), Some(victim));
		let unsigned = |accounts: &[u64]| -> BoundedVec<_, _> {
			accounts
				.iter()
				.map(|&account| ProxyNodeAccount { account, consent: None })
				.collect::<Vec<_>>()
				.try_into()
				.unwrap()
		};
		assert_ok!(Ehr::register_proxy(RuntimeOrigin::signed(victim), unsigned(&[fresh, victim]), victim_key));
		// The squatter, even with a consent the node gave the victim, gets nothing.
		assert_noop!(register(squatter, Some(consent_for(victim))), Error::<Test>::ProxyAccountTaken);
	});
}
