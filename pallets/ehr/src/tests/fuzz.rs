//! Fuzzing: random bytes in every byte-taking argument give errors, never panics.

use super::request;
use crate::{mock::*, types::*};
use codec::Decode;
use proptest::prelude::*;

proptest! {
	#![proptest_config(ProptestConfig::with_cases(48))]

	/// Random bytes in every byte-taking argument: errors, never panics,
	/// and the invariants still hold.
	#[test]
	fn random_bytes_in_calls_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
		// Not build_and_execute: the body returns proptest's Result (for `prop_assert!`); it checks try_state itself.
		new_test_ext().execute_with(|| {
			let world = World::setup();
			let record = world.create_record(HOSPITAL_A, PATIENT, b"fuzz");
			let grant = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
			let req = request(&world, grant, record);
			let key: PublicKeyBytes = bytes.iter().take(34).cloned().collect::<Vec<_>>().try_into().unwrap();
			let _ = Ehr::register_proxy(RuntimeOrigin::signed(HOSPITAL_D), consenting_nodes(HOSPITAL_D, &[node_of(HOSPITAL_D)]), key.clone());
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
