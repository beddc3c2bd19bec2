//! The runtime's trust holes, each performed as an attacker would and shown
//! refused: a hospital choosing a person's keys, a copied fragment counted
//! toward the threshold, replayed or repeated fetch confirmations, a
//! departed member still acting as a proxy, one sender using up a block's
//! requests, and state that only grows. Every test ends with `try_state`.

use super::{check_invariants, request, scope};
use crate::{mock::*, types::*, Error, Event, Grants, GrantsByGrantee, GrantsByPatient, Records, Requests};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, traits::ChangeMembers};
use sp_runtime::testing::TestSignature;

/// A new person's keys and the bytes a hospital registers for them.
fn person() -> (Keys, PublicKeyBytes, PublicKeyBytes) {
	let keys = Keys::new();
	let (public, verifying) = (keys.public_bytes(), keys.verifying_bytes());
	(keys, public, verifying)
}

#[test]
fn a_hospital_cannot_register_a_patient_with_keys_the_patient_did_not_sign() {
	build_and_execute(|| {
		let _world = World::setup();
		let (_, public, verifying) = person();
		let register = |proof: TestSignature, public: &PublicKeyBytes, verifying: &PublicKeyBytes| {
			Ehr::register_patient(RuntimeOrigin::signed(HOSPITAL_A), 500, public.clone(), verifying.clone(), proof)
		};
		// Signed by another account (the hospital's own, say).
		let by_other = TestSignature(HOSPITAL_A, Ehr::key_ownership(&500, &public, Some(&verifying)).signing_payload());
		assert_noop!(register(by_other, &public, &verifying), Error::<Test>::InvalidOwnershipProof);
		// Signed by the patient, but for another chain.
		let mut statement = Ehr::key_ownership(&500, &public, Some(&verifying));
		statement.genesis_hash = sp_core::H256::repeat_byte(7);
		let other_chain = TestSignature(500, statement.signing_payload());
		assert_noop!(register(other_chain, &public, &verifying), Error::<Test>::InvalidOwnershipProof);
		// Signed by the patient for their keys, registered with the keys swapped.
		let genuine = ownership_proof(500, &public, Some(&verifying));
		assert_noop!(register(genuine.clone(), &verifying, &public), Error::<Test>::InvalidOwnershipProof);
		// Signed by the patient for their keys, registered with the hospital's keys.
		let (_, hospital_public, hospital_verifying) = person();
		assert_noop!(
			register(genuine.clone(), &hospital_public, &hospital_verifying),
			Error::<Test>::InvalidOwnershipProof
		);
		// A provider's proof does not register a patient, and the reverse.
		let as_provider = ownership_proof(500, &public, None);
		assert_noop!(register(as_provider, &public, &verifying), Error::<Test>::InvalidOwnershipProof);
		// The genuine proof works, and so does the same proof as a wallet signs it (`<Bytes>`-wrapped).
		assert_ok!(register(genuine, &public, &verifying));
		let (_, public, _) = person();
		let wrapped = TestSignature(501, Ehr::key_ownership(&501, &public, None).wrapped_signing_payload());
		assert_ok!(Ehr::register_provider(RuntimeOrigin::signed(HOSPITAL_A), 501, public, None, wrapped));
	});
}

#[test]
fn a_person_rotates_their_own_keys_and_old_grants_stop_working() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"before");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let open = request(&world, grant, record);
		run_to_block(2);

		// A hospital cannot rotate anyone's keys: it is not a registered person,
		// and registering the patient again is refused.
		let (_, public, verifying) = person();
		assert_noop!(
			Ehr::rotate_keys(RuntimeOrigin::signed(HOSPITAL_A), public.clone(), Some(verifying.clone())),
			Error::<Test>::NotRegistered
		);
		let proof = ownership_proof(PATIENT, &public, Some(&verifying));
		assert_noop!(
			Ehr::register_patient(RuntimeOrigin::signed(HOSPITAL_A), PATIENT, public.clone(), verifying.clone(), proof),
			Error::<Test>::AlreadyRegistered
		);
		// A patient must give a verifying key; a provider must not.
		assert_noop!(
			Ehr::rotate_keys(RuntimeOrigin::signed(PATIENT), public.clone(), None),
			Error::<Test>::VerifyingKeyMismatch
		);
		assert_noop!(
			Ehr::rotate_keys(RuntimeOrigin::signed(CLINICIAN), public.clone(), Some(verifying.clone())),
			Error::<Test>::VerifyingKeyMismatch
		);

		// The patient rotates.
		assert_ok!(Ehr::rotate_keys(RuntimeOrigin::signed(PATIENT), public.clone(), Some(verifying.clone())));
		assert!(ehr_events().contains(&Event::KeysRotated { who: PATIENT }));
		let info = crate::Patients::<Test>::get(PATIENT).unwrap();
		assert_eq!((info.public_key, info.verifying_key), (public, verifying));
		// The old grant stops working: no new request, no cfrag for the open one.
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record),
			Error::<Test>::GrantKeysRotated
		);
		assert_noop!(world.deliver(HOSPITAL_A, open), Error::<Test>::GrantKeysRotated);
		assert!(Ehr::keys_rotated_since(&Grants::<Test>::get(grant).unwrap()));
		assert!(!Ehr::grant_covers(grant, record));

		// A provider rotates too, and grants made to them stop working.
		let other = world.grant(OTHER_PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		run_to_block(3);
		let (_, public, _) = person();
		assert_ok!(Ehr::rotate_keys(RuntimeOrigin::signed(CLINICIAN), public.clone(), None));
		assert_eq!(crate::Providers::<Test>::get(CLINICIAN).unwrap().public_key, public);
		assert!(Ehr::keys_rotated_since(&Grants::<Test>::get(other).unwrap()));
	});
}

#[test]
fn a_proxy_cannot_count_another_proxys_fragment() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"two of three");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 2, &[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C], None);
		let req = request(&world, grant, record);
		let copied = world.cfrag_for(HOSPITAL_B, req);
		// A front-runs B with B's fragment: refused, it was sealed to B.
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req, copied.clone()),
			Error::<Test>::CfragOfAnotherProxy
		);
		assert_ok!(world.deliver(HOSPITAL_B, req));
		// A copies B's accepted fragment: still refused.
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req, copied),
			Error::<Test>::CfragOfAnotherProxy
		);
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Open);
		// Genuine fragments complete the request and the grantee opens it.
		assert_ok!(world.deliver(HOSPITAL_C, req));
		assert_eq!(Requests::<Test>::get(req).unwrap().status, RequestStatus::Ready);
		assert_eq!(world.open(req), b"two of three".to_vec());
	});
}

#[test]
fn a_grant_from_before_kfrag_ids_still_counts_each_fragment_once() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"migrated");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 2, &[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C], None);
		// As the v2 migration leaves a grant made before: no kfrag ids.
		Grants::<Test>::mutate(grant, |g| {
			for proxy in g.as_mut().unwrap().proxies.iter_mut() {
				proxy.kfrag_id = None;
			}
		});
		let req = request(&world, grant, record);
		assert_ok!(world.deliver(HOSPITAL_B, req));
		let copied = world.cfrag_for(HOSPITAL_B, req);
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req, copied),
			Error::<Test>::DuplicateKeyFragment
		);
		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_eq!(world.open(req), b"migrated".to_vec());
	});
}

#[test]
fn a_grant_must_tie_each_proxy_to_its_own_kfrag() {
	build_and_execute(|| {
		let world = World::setup();
		let mut proxies = world.grant_proxies(PATIENT, CLINICIAN, 1, &[HOSPITAL_A, HOSPITAL_B]);
		let grant_with = |proxies: Vec<GrantProxy<u64>>| {
			Ehr::grant(
				RuntimeOrigin::signed(PATIENT),
				CLINICIAN,
				Scope::AllRecords,
				1,
				proxies.try_into().unwrap(),
				None,
				Purpose::Treatment,
			)
		};
		proxies[1].kfrag_id = proxies[0].kfrag_id;
		assert_noop!(grant_with(proxies.clone()), Error::<Test>::DuplicateKfragId);
		proxies[1].kfrag_id = None;
		assert_noop!(grant_with(proxies), Error::<Test>::MissingKfragId);
	});
}

#[test]
fn a_fetch_is_confirmed_once_and_only_within_the_reading_window() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"read once");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_B], None);
		let req = request(&world, grant, record);
		assert_ok!(world.deliver(HOSPITAL_B, req));
		// The reading window (5 blocks in the mock) starts when the request is ready.
		assert_eq!(Requests::<Test>::get(req).unwrap().expires_at, 1 + 5);
		assert_ok!(Ehr::confirm_fetch(RuntimeOrigin::signed(node_of(HOSPITAL_A)), req));
		// A replayed or repeated confirmation does not forge a second audit entry.
		let log_len = crate::AuditLogLen::<Test>::get(PATIENT);
		assert_noop!(Ehr::confirm_fetch(RuntimeOrigin::signed(HOSPITAL_A), req), Error::<Test>::FetchAlreadyConfirmed);
		assert_eq!(crate::AuditLogLen::<Test>::get(PATIENT), log_len);

		// Another request, read after its window: refused.
		let late = request(&world, grant, record);
		assert_ok!(world.deliver(HOSPITAL_B, late));
		run_to_block(7);
		assert_noop!(Ehr::confirm_fetch(RuntimeOrigin::signed(HOSPITAL_A), late), Error::<Test>::ReadingWindowClosed);
	});
}

#[test]
fn re_registering_a_proxy_never_resets_a_node_accounts_nonce() {
	build_and_execute(|| {
		let world = World::setup();
		let node = node_of(HOSPITAL_A);
		let spare = 77;
		frame_system::Pallet::<Test>::inc_account_nonce(node);
		frame_system::Pallet::<Test>::inc_account_nonce(node);
		let key = world.proxy_keys(HOSPITAL_A).public_bytes();
		// Kept, dropped, and added back: the nonce stays.
		assert_ok!(Ehr::register_proxy(
			RuntimeOrigin::signed(HOSPITAL_A),
			consenting_nodes(HOSPITAL_A, &[node, spare]),
			key.clone()
		));
		assert_eq!(frame_system::Pallet::<Test>::account_nonce(node), 2);
		assert_ok!(Ehr::register_proxy(
			RuntimeOrigin::signed(HOSPITAL_A),
			consenting_nodes(HOSPITAL_A, &[spare]),
			key.clone()
		));
		assert_eq!(frame_system::Pallet::<Test>::account_nonce(node), 2);
		assert_eq!(crate::ProxyAccountOf::<Test>::get(node), None, "a dropped account no longer acts");
		assert_ok!(Ehr::register_proxy(RuntimeOrigin::signed(HOSPITAL_A), consenting_nodes(HOSPITAL_A, &[node]), key));
		assert_eq!(frame_system::Pallet::<Test>::account_nonce(node), 2);
		assert_eq!(frame_system::Pallet::<Test>::providers(&node), 1);
	});
}

#[test]
fn a_departed_hospital_is_no_longer_a_proxy() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"leaving");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_B, HOSPITAL_C], None);
		let req = request(&world, grant, record);
		let cfrag = world.cfrag_for(HOSPITAL_C, req);
		set_hospitals(&[HOSPITAL_A, HOSPITAL_B, HOSPITAL_D]);
		<Ehr as ChangeMembers<u64>>::change_members_sorted(&[], &[HOSPITAL_C], &[HOSPITAL_A, HOSPITAL_B, HOSPITAL_D]);
		assert!(ehr_events().contains(&Event::ProxyRetired { hospital: HOSPITAL_C }));
		// Its node cannot deliver, it left the proxy queue, and no new grant may name it.
		assert_noop!(
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_C)), req, cfrag),
			Error::<Test>::NotAProxyAccount
		);
		assert!(Ehr::open_requests_for(&HOSPITAL_C, None, MAX_PAGE_SIZE).items.is_empty());
		let proxies = world.grant_proxies(PATIENT, CLINICIAN, 1, &[HOSPITAL_C]);
		assert_noop!(
			Ehr::grant(
				RuntimeOrigin::signed(PATIENT),
				CLINICIAN,
				Scope::AllRecords,
				1,
				proxies.try_into().unwrap(),
				None,
				Purpose::Treatment
			),
			Error::<Test>::ProxyNotRegistered
		);
		// The grant's other proxy still serves it.
		assert_ok!(world.deliver(HOSPITAL_B, req));
	});
}

#[test]
fn one_grantee_cannot_use_up_a_blocks_requests() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"flood");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let other = world.grant(PATIENT, VISITING_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		for _ in 0..2 {
			assert_ok!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record));
		}
		assert_noop!(
			Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record),
			Error::<Test>::TooManyRequestsFromGrantee
		);
		// Another grantee still gets in, and the flooder again in the next block.
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(VISITING_CLINICIAN), other, record));
		run_to_block(2);
		assert_ok!(Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record));
	});
}

#[test]
fn kfrags_and_keys_larger_than_umbral_makes_do_not_decode() {
	use codec::Decode;
	build_and_execute(|| {
		let world = World::setup();
		let mut proxy = world.grant_proxies(PATIENT, CLINICIAN, 1, &[HOSPITAL_A]).remove(0);
		assert_eq!(proxy.encrypted_kfrag.len() as u32, MAX_ENCRYPTED_KFRAG_LEN);
		let mut encoded = proxy.encode();
		// Re-encode with one more byte of sealed kfrag.
		let mut bigger = proxy.encrypted_kfrag.to_vec();
		bigger.push(0);
		proxy.encrypted_kfrag = Default::default();
		encoded.clear();
		encoded.extend(proxy.hospital.encode());
		encoded.extend(bigger.encode());
		encoded.extend(proxy.kfrag_id.encode());
		assert!(GrantProxy::<u64>::decode(&mut &encoded[..]).is_err());
		assert!(PublicKeyBytes::decode(&mut &vec![2u8; 35].encode()[..]).is_err());
		assert!(CfragBytes::decode(&mut &vec![2u8; 370].encode()[..]).is_err());
	});
}

#[test]
fn requests_and_grants_are_pruned_after_retention_and_their_audit_stays() {
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"prune");
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_B], None);
		let ready = request(&world, grant, record);
		assert_ok!(world.deliver(HOSPITAL_B, ready));
		let expiring = request(&world, grant, record);
		assert_ok!(Ehr::revoke(RuntimeOrigin::signed(PATIENT), grant));
		let lasting = world.grant(PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_B], None);
		let audit_len = crate::AuditLogLen::<Test>::get(PATIENT);

		// Retention is 20 blocks in the mock: the ready request's window ends at
		// block 6, the expiring one times out at 11, the grant was revoked at 1.
		run_to_block(21);
		assert!(Requests::<Test>::get(ready).is_some() && Grants::<Test>::get(grant).is_some());
		run_to_block(27);
		assert!(Requests::<Test>::get(ready).is_none(), "ready request pruned after its window and retention");
		assert!(Grants::<Test>::get(grant).is_none(), "revoked grant pruned after retention");
		assert!(!GrantsByPatient::<Test>::contains_key(PATIENT, grant));
		assert!(!GrantsByGrantee::<Test>::contains_key(CLINICIAN, grant));
		assert!(Requests::<Test>::get(expiring).is_some(), "not yet past its timeout and retention");
		check_invariants();
		run_to_block(40);
		assert!(Requests::<Test>::get(expiring).is_none());
		// A live grant and the audit log stay; the log only grew (expiry entries).
		assert!(Grants::<Test>::get(lasting).is_some());
		assert!(crate::AuditLogLen::<Test>::get(PATIENT) >= audit_len);
		assert!(ehr_events().iter().any(|e| matches!(e, Event::Pruned { .. })));
	});
}

#[test]
fn only_the_consortium_sets_the_reading_window_retention_and_retirement_grace() {
	build_and_execute(|| {
		let parameters = EhrParameters { reading_window: 10, retention: 100, retirement_grace: 50 };
		assert_noop!(
			Ehr::set_parameters(RuntimeOrigin::signed(HOSPITAL_A), parameters),
			sp_runtime::DispatchError::BadOrigin
		);
		for zero in [
			EhrParameters { reading_window: 0, ..parameters },
			EhrParameters { retention: 0, ..parameters },
			EhrParameters { retirement_grace: 0, ..parameters },
		] {
			assert_noop!(
				Ehr::set_parameters(RuntimeOrigin::signed(GOVERNANCE), zero),
				Error::<Test>::InvalidParameters
			);
		}
		assert_ok!(Ehr::set_parameters(RuntimeOrigin::signed(GOVERNANCE), parameters));
		assert_eq!(crate::Parameters::<Test>::get(), parameters);
	});
}

#[test]
fn request_and_cfrag_charge_the_grants_actual_proxy_count() {
	use crate::WeightInfo;
	build_and_execute(|| {
		let world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"refund");
		let grant = world.grant(PATIENT, CLINICIAN, scope(&[record]), 1, &[HOSPITAL_A, HOSPITAL_B], None);
		let id = crate::NextRequestId::<Test>::get();
		let post = Ehr::request_access(RuntimeOrigin::signed(CLINICIAN), grant, record).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::request_access(2)));
		let post =
			Ehr::submit_cfrag(RuntimeOrigin::signed(node_of(HOSPITAL_A)), id, world.cfrag_for(HOSPITAL_A, id)).unwrap();
		assert_eq!(post.actual_weight, Some(<() as WeightInfo>::submit_cfrag(2)));
	});
}

#[test]
fn after_a_rotation_the_patient_rekeys_records_and_shares_them_again() {
	build_and_execute(|| {
		let mut world = World::setup();
		let record = world.create_record(HOSPITAL_A, PATIENT, b"made for the old key");
		run_to_block(2);
		let old = core::mem::replace(&mut world.patient, Keys::new());
		assert_ok!(Ehr::rotate_keys(
			RuntimeOrigin::signed(PATIENT),
			world.patient.public_bytes(),
			Some(world.patient.verifying_bytes())
		));
		// The patient opens the envelope with the old key and seals it to the new one.
		let stored = Records::<Test>::get(record).unwrap();
		let capsule: umbral_pre::Capsule = ehr_primitives::umbral_codec::decode(&stored.capsule).unwrap();
		let envelope = umbral_pre::decrypt_original(&old.secret, &capsule, &stored.encrypted_metadata).unwrap();
		let (capsule, ciphertext) = umbral_pre::encrypt(&world.patient.public(), &envelope).unwrap();
		let rekeyed = vec![(record, bounded(enc(&capsule)), bounded(ciphertext.to_vec()))];
		// Nobody else may re-key the patient's records, a hospital included.
		for other in [HOSPITAL_A, OTHER_PATIENT] {
			assert_noop!(
				Ehr::rekey_records(RuntimeOrigin::signed(other), rekeyed.clone().try_into().unwrap()),
				Error::<Test>::RecordNotOfPatient
			);
		}
		assert_noop!(
			Ehr::rekey_records(RuntimeOrigin::signed(PATIENT), vec![].try_into().unwrap()),
			Error::<Test>::EmptyScope
		);
		let mut twice = rekeyed.clone();
		twice.push(rekeyed[0].clone());
		assert_noop!(
			Ehr::rekey_records(RuntimeOrigin::signed(PATIENT), twice.try_into().unwrap()),
			Error::<Test>::DuplicateScopeRecord
		);
		assert_ok!(Ehr::rekey_records(RuntimeOrigin::signed(PATIENT), rekeyed.try_into().unwrap()));
		assert!(ehr_events().contains(&Event::RecordsRekeyed { patient: PATIENT, records: 1 }));
		// A new grant under the new keys reaches the clinician.
		run_to_block(3);
		let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_B], None);
		let req = request(&world, grant, record);
		assert_ok!(world.deliver(HOSPITAL_B, req));
		assert_eq!(world.open(req), b"made for the old key".to_vec());
	});
}
