//! Privacy and bounds: nothing in clear reaches storage or events, and oversize arguments do not decode.

use super::{request, scope};
use crate::{mock::*, types::*};
use frame_support::assert_ok;

#[test]
fn oversize_call_arguments_do_not_decode() {
	use codec::{Decode, Encode};
	build_and_execute(|| {
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
	build_and_execute(|| {
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
