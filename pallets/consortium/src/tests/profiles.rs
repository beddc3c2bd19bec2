//! Hospital profiles: names, peer ids and endpoints, their checks and bounds, and their removal when a hospital leaves.

use super::last_event;
use crate::{mock::*, pallet::*, types::*};
use frame_support::{assert_noop, assert_ok, traits::ChangeMembers};

fn peer(text: &str) -> Vec<u8> {
	text.as_bytes().to_vec()
}

/// A name argument of `set_profile`, within its bound.
fn name(bytes: &[u8]) -> HospitalName {
	bytes.to_vec().try_into().expect("test names are within the bound")
}

/// A peer-ids argument of `set_profile`, within its bounds.
fn peers(list: Vec<Vec<u8>>) -> PeerIds {
	let list: Vec<PeerIdText> =
		list.into_iter().map(|p| p.try_into().expect("test peer ids are within the bound")).collect();
	list.try_into().expect("at most four test peer ids")
}

#[test]
fn genesis_profile_is_authorized() {
	build_and_execute(|| {
		assert_eq!(Consortium::authorized_peers(), vec![PeerIdText::truncate_from(peer(PEER_1))]);
		let hospitals = Consortium::hospitals();
		assert_eq!(hospitals.len(), 3);
		assert_eq!(hospitals[0].1.as_ref().map(|p| p.name.to_vec()), Some(b"Hospital A".to_vec()));
		assert_eq!(hospitals[1].1, None);
	});
}

#[test]
fn a_member_sets_its_profile() {
	build_and_execute(|| {
		assert_ok!(Consortium::set_profile(
			RuntimeOrigin::signed(HOSPITAL_B),
			name(b"Hospital B"),
			peers(vec![peer(PEER_2)])
		));
		assert_eq!(last_event(), RuntimeEvent::Consortium(Event::ProfileSet { hospital: HOSPITAL_B }));
		assert_eq!(Consortium::authorized_peers().len(), 2);
		// Replacing the profile with no peers removes B's peer.
		assert_ok!(Consortium::set_profile(RuntimeOrigin::signed(HOSPITAL_B), name(b"Hospital B"), peers(vec![])));
		assert_eq!(Consortium::authorized_peers().len(), 1);
	});
}

#[test]
fn bad_profiles_are_refused() {
	build_and_execute(|| {
		let b = RuntimeOrigin::signed(HOSPITAL_B);
		let hospital_b = name(b"Hospital B");
		assert_noop!(
			Consortium::set_profile(RuntimeOrigin::signed(STRANGER), hospital_b.clone(), peers(vec![])),
			Error::<Test>::NotAMember
		);
		assert_noop!(Consortium::set_profile(b.clone(), name(b""), peers(vec![])), Error::<Test>::InvalidName);
		assert_noop!(
			Consortium::set_profile(b.clone(), name(&[0xff, 0xfe]), peers(vec![])),
			Error::<Test>::InvalidName
		);
		for bad in [&b"not a peer id"[..], &PEER_2.as_bytes()[..40], b"", &[b'1'; 64][..]] {
			assert_noop!(
				Consortium::set_profile(b.clone(), hospital_b.clone(), peers(vec![bad.to_vec()])),
				Error::<Test>::InvalidPeerId
			);
		}
		assert_noop!(
			Consortium::set_profile(b.clone(), hospital_b.clone(), peers(vec![peer(PEER_2), peer(PEER_2)])),
			Error::<Test>::PeerIdTaken
		);
		assert_noop!(Consortium::set_profile(b, hospital_b, peers(vec![peer(PEER_1)])), Error::<Test>::PeerIdTaken);
	});
}

/// The stall attack of issue 12: one member submits a profile with a
/// 200 KB peer id (or a long name, or many peer ids). The call's arguments
/// are bounded, so such a transaction does not even decode: no block
/// author spends time on it and it cannot be included.
#[test]
fn oversize_profiles_do_not_decode() {
	use codec::{Decode, Encode};
	build_and_execute(|| {
		let call_bytes = |name: Vec<u8>, peer_ids: Vec<Vec<u8>>| {
			let call = RuntimeCall::Consortium(Call::set_profile { name: self::name(b"x"), peer_ids: peers(vec![]) });
			// The call's index bytes, then the arguments as unbounded vectors
			// (what an attacker can put in a transaction).
			let mut bytes = call.encode()[..2].to_vec();
			(name, peer_ids).encode_to(&mut bytes);
			bytes
		};
		let decodes = |bytes: Vec<u8>| RuntimeCall::decode(&mut &bytes[..]).is_ok();

		// Within the bounds the same encoding decodes.
		assert!(decodes(call_bytes(b"Hospital B".to_vec(), vec![peer(PEER_2)])));
		// A 200 KB peer id, a 65-byte name, a 65-byte peer id, five peer ids: none decodes.
		assert!(!decodes(call_bytes(b"Hospital B".to_vec(), vec![vec![b'1'; 200 * 1024]])));
		assert!(!decodes(call_bytes(vec![b'x'; MAX_HOSPITAL_NAME_LEN as usize + 1], vec![])));
		assert!(!decodes(call_bytes(b"Hospital B".to_vec(), vec![vec![b'1'; MAX_PEER_ID_LEN as usize + 1]])));
		assert!(!decodes(call_bytes(b"Hospital B".to_vec(), vec![peer(PEER_2); MAX_PEER_IDS as usize + 1])));
	});
}

#[test]
fn a_leaving_hospital_loses_its_profile() {
	build_and_execute(|| {
		set_members(&[HOSPITAL_B, HOSPITAL_C]);
		<Consortium as ChangeMembers<u64>>::change_members_sorted(&[], &[HOSPITAL_A], &[HOSPITAL_B, HOSPITAL_C]);
		assert_eq!(Profiles::<Test>::get(HOSPITAL_A), None);
		assert_eq!(HospitalEndpoints::<Test>::get(HOSPITAL_A), None, "clients stop reading from a leaver");
		assert!(Consortium::authorized_peers().is_empty());
		assert_eq!(last_event(), RuntimeEvent::Consortium(Event::ProfileRemoved { hospital: HOSPITAL_A }));
	});
}

#[test]
#[should_panic(expected = "not a base58 libp2p peer id")]
fn a_genesis_with_a_bad_peer_id_does_not_build() {
	// Not build_and_execute: it builds a genesis that panics, so there is no state to check.
	use sp_runtime::BuildStorage;
	let _ = crate::GenesisConfig::<Test> {
		profiles: vec![(HOSPITAL_A, "Hospital A".into(), vec!["12D3KooWbad".into()])],
		..Default::default()
	}
	.build_storage();
}

/// An endpoints argument of `set_endpoints`, within its bounds.
fn endpoints(urls: &[&str]) -> Endpoints {
	let list: Vec<EndpointUrl> =
		urls.iter().map(|u| u.as_bytes().to_vec().try_into().expect("test URLs are within the bound")).collect();
	list.try_into().expect("at most four test endpoints")
}

#[test]
fn a_member_publishes_and_withdraws_its_endpoints() {
	build_and_execute(|| {
		assert_eq!(HospitalEndpoints::<Test>::get(HOSPITAL_A), Some(endpoints(&[ENDPOINT_A])));
		let list = endpoints(&["wss://rpc-1.hospital-b.example", "ws://10.0.0.2:9944"]);
		assert_ok!(Consortium::set_endpoints(RuntimeOrigin::signed(HOSPITAL_B), list.clone()));
		assert_eq!(last_event(), RuntimeEvent::Consortium(Event::EndpointsSet { hospital: HOSPITAL_B }));
		assert_eq!(HospitalEndpoints::<Test>::get(HOSPITAL_B), Some(list));
		// A new profile leaves the endpoints alone.
		assert_ok!(Consortium::set_profile(RuntimeOrigin::signed(HOSPITAL_B), name(b"Hospital B"), peers(vec![])));
		assert!(HospitalEndpoints::<Test>::contains_key(HOSPITAL_B));
		// An empty list withdraws them.
		assert_ok!(Consortium::set_endpoints(RuntimeOrigin::signed(HOSPITAL_B), endpoints(&[])));
		assert!(!HospitalEndpoints::<Test>::contains_key(HOSPITAL_B));
	});
}

#[test]
fn bad_endpoints_are_refused_and_change_nothing() {
	build_and_execute(|| {
		assert_noop!(
			Consortium::set_endpoints(RuntimeOrigin::signed(STRANGER), endpoints(&["wss://evil.example"])),
			Error::<Test>::NotAMember
		);
		assert_noop!(
			Consortium::set_endpoints(RuntimeOrigin::none(), endpoints(&["wss://evil.example"])),
			sp_runtime::DispatchError::BadOrigin
		);
		let a = RuntimeOrigin::signed(HOSPITAL_A);
		for bad in ["https://rpc.example", "wss://user:pass@rpc.example", "wss://rpc.example/?patient=1", "ws://ho st"]
		{
			assert_noop!(Consortium::set_endpoints(a.clone(), endpoints(&[bad])), Error::<Test>::InvalidEndpoint);
		}
		assert_noop!(
			Consortium::set_endpoints(a, endpoints(&["wss://rpc.example", "wss://rpc.example"])),
			Error::<Test>::DuplicateEndpoint
		);
		assert_eq!(HospitalEndpoints::<Test>::get(HOSPITAL_A), Some(endpoints(&[ENDPOINT_A])));
	});
}

#[test]
fn oversize_endpoints_do_not_decode() {
	use codec::Decode;
	let long = alloc_url(MAX_ENDPOINT_LEN as usize + 1);
	let encoded = codec::Encode::encode(&vec![long.into_bytes()]);
	assert!(Endpoints::decode(&mut &encoded[..]).is_err(), "a URL over 128 bytes decodes");
	let five: Vec<Vec<u8>> = (0..=MAX_ENDPOINTS).map(|i| format!("wss://n{i}.example").into_bytes()).collect();
	assert!(Endpoints::decode(&mut &codec::Encode::encode(&five)[..]).is_err(), "five endpoints decode");
}

fn alloc_url(len: usize) -> String {
	let mut url = String::from("wss://a.example/");
	while url.len() < len {
		url.push('p');
	}
	url
}

/// Audit finding 11: a member took another's name, so a client resolving
/// `--proxies Bob` could pick the impostor, and the portal showed two
/// "Bob"s. Names are now distinct ignoring case and white space, and names
/// that hide characters are refused.
#[test]
fn a_member_cannot_take_or_mimic_another_hospitals_name() {
	build_and_execute(|| {
		let b = RuntimeOrigin::signed(HOSPITAL_B);
		for copy in [&b"Hospital A"[..], b"hospital a", b"HOSPITAL  A", b" Hospital A ", b"HospitalA"] {
			assert_noop!(Consortium::set_profile(b.clone(), name(copy), peers(vec![])), Error::<Test>::NameTaken);
		}
		for hidden in ["Hospital\u{202E}A", "Hospital\u{200B}A", "Hospital\u{7}A", "   "] {
			assert_noop!(
				Consortium::set_profile(b.clone(), name(hidden.as_bytes()), peers(vec![])),
				Error::<Test>::InvalidName
			);
		}
		// Its own name again, in another case, is still its own.
		assert_ok!(Consortium::set_profile(
			RuntimeOrigin::signed(HOSPITAL_A),
			name(b"HOSPITAL A"),
			peers(vec![peer(PEER_1)])
		));
		assert_ok!(Consortium::set_profile(b, name(b"Hospital B"), peers(vec![])));
		assert_eq!(hospital_name_key(" St. Mary's\tNorth "), "st.mary'snorth");
	});
}

#[test]
#[should_panic(expected = "NameTaken")]
fn a_genesis_with_two_hospitals_of_one_name_does_not_build() {
	// Not build_and_execute: it builds a genesis that panics.
	use sp_runtime::BuildStorage;
	let _ = crate::GenesisConfig::<Test> {
		profiles: vec![(HOSPITAL_A, "Hospital A".into(), vec![]), (HOSPITAL_B, "hospital a".into(), vec![])],
		..Default::default()
	}
	.build_storage();
}
