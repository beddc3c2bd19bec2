//! Unit tests of pallet-consortium on the mock runtime.

use crate::{mock::*, pallet::*, types::*, CheckNonceWithinAllowance, CheckRegistered};
use frame_support::{assert_noop, assert_ok, dispatch::DispatchInfo, traits::ChangeMembers};
use sp_runtime::{
	traits::{BadOrigin, DispatchTransaction, TransactionExtension, TxBaseImplication},
	transaction_validity::{InvalidTransaction, TransactionSource, TransactionValidityError},
};

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

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event was deposited").event
}

/// Runs `test` on the mock genesis, then checks the pallet's invariants.
fn with_consortium(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Consortium::do_try_state().expect("invariants hold after the test");
	});
}

#[test]
fn genesis_profile_is_authorized() {
	with_consortium(|| {
		assert_eq!(Consortium::authorized_peers(), vec![PeerIdText::truncate_from(peer(PEER_1))]);
		let hospitals = Consortium::hospitals();
		assert_eq!(hospitals.len(), 3);
		assert_eq!(hospitals[0].1.as_ref().map(|p| p.name.to_vec()), Some(b"Hospital A".to_vec()));
		assert_eq!(hospitals[1].1, None);
	});
}

#[test]
fn a_member_sets_its_profile() {
	with_consortium(|| {
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
	with_consortium(|| {
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
	with_consortium(|| {
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
	with_consortium(|| {
		set_members(&[HOSPITAL_B, HOSPITAL_C]);
		<Consortium as ChangeMembers<u64>>::change_members_sorted(&[], &[HOSPITAL_A], &[HOSPITAL_B, HOSPITAL_C]);
		assert_eq!(Profiles::<Test>::get(HOSPITAL_A), None);
		assert!(Consortium::authorized_peers().is_empty());
		assert_eq!(last_event(), RuntimeEvent::Consortium(Event::ProfileRemoved { hospital: HOSPITAL_A }));
	});
}

#[test]
fn only_governance_dispatches_as_root() {
	with_consortium(|| {
		let call = Box::new(RuntimeCall::Consortium(Call::set_session_length { blocks: 20 }));
		assert_noop!(Consortium::dispatch_as_root(RuntimeOrigin::signed(HOSPITAL_A), call.clone()), BadOrigin);
		assert_ok!(Consortium::dispatch_as_root(RuntimeOrigin::root(), call));
		assert_eq!(SessionLength::<Test>::get(), 20);
		assert_eq!(last_event(), RuntimeEvent::Consortium(Event::RootDispatched { result: Ok(()) }));

		// A failing inner call is reported, not hidden.
		let bad = Box::new(RuntimeCall::Consortium(Call::set_session_length { blocks: 0 }));
		assert_ok!(Consortium::dispatch_as_root(RuntimeOrigin::root(), bad));
		assert_eq!(
			last_event(),
			RuntimeEvent::Consortium(Event::RootDispatched { result: Err(Error::<Test>::InvalidSessionLength.into()) })
		);
		assert_eq!(SessionLength::<Test>::get(), 20);
	});
}

#[test]
fn parameters_change_only_by_governance_and_stay_valid() {
	with_consortium(|| {
		let limits = RateLimits {
			person: RateLimit { transactions: 1, blocks: 1 },
			hospital: RateLimit { transactions: 2, blocks: 1 },
		};
		assert_noop!(Consortium::set_rate_limits(RuntimeOrigin::signed(HOSPITAL_A), limits), BadOrigin);
		assert_ok!(Consortium::set_rate_limits(RuntimeOrigin::root(), limits));
		assert_eq!(Limits::<Test>::get(), limits);
		for bad in [RateLimit { transactions: 0, blocks: 5 }, RateLimit { transactions: 5, blocks: 0 }] {
			assert_noop!(
				Consortium::set_rate_limits(RuntimeOrigin::root(), RateLimits { person: bad, ..limits }),
				Error::<Test>::InvalidRateLimit
			);
		}
		assert_noop!(Consortium::set_session_length(RuntimeOrigin::root(), 0), Error::<Test>::InvalidSessionLength);
		assert_noop!(Consortium::set_session_length(RuntimeOrigin::signed(HOSPITAL_A), 5), BadOrigin);
	});
}

fn admit(who: u64) -> Result<(), TransactionValidityError> {
	let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
	let info = DispatchInfo::default();
	CheckRegistered::<Test>::new().validate_only(Some(who).into(), &call, &info, 0, TransactionSource::External, 0)?;
	CheckRegistered::<Test>::new().validate_and_prepare(Some(who).into(), &call, &info, 0, 0).map(|_| ())
}

#[test]
fn unregistered_accounts_are_refused_with_their_reason() {
	with_consortium(|| {
		assert_eq!(admit(STRANGER), Err(InvalidTransaction::Custom(admission_error::UNREGISTERED).into()));
		assert!(admission_error::describe(admission_error::UNREGISTERED).is_some());
		assert_ok!(admit(PATIENT));
		assert_ok!(admit(HOSPITAL_C));
		// Unsigned transactions are not this extension's business.
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		let (_, val, _) = CheckRegistered::<Test>::new()
			.validate(
				RuntimeOrigin::none(),
				&call,
				&DispatchInfo::default(),
				0,
				(),
				&TxBaseImplication(()),
				TransactionSource::External,
			)
			.expect("an unsigned transaction passes");
		assert_eq!(val, None);
	});
}

#[test]
fn an_account_past_its_rate_limit_waits_for_the_next_window() {
	with_consortium(|| {
		// Person limit: 3 transactions per 5 blocks, window from block 1.
		for _ in 0..3 {
			assert_ok!(admit(PATIENT));
		}
		let limited = Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into());
		assert_eq!(admit(PATIENT), limited);
		System::set_block_number(5);
		assert_eq!(admit(PATIENT), limited);
		// Hospitals have their own, larger allowance.
		for _ in 0..10 {
			assert_ok!(admit(HOSPITAL_A));
		}
		System::set_block_number(6);
		assert_ok!(admit(PATIENT));
		assert_eq!(Windows::<Test>::get(PATIENT), Some(TxWindow { start: 6, count: 1 }));
	});
}

#[test]
fn validators_are_members_with_session_keys() {
	with_consortium(|| {
		assert_eq!(Consortium::next_validators(), Some(vec![HOSPITAL_A, HOSPITAL_B]));
		set_session_keys(HOSPITAL_C);
		assert_eq!(Consortium::next_validators(), Some(vec![HOSPITAL_A, HOSPITAL_B, HOSPITAL_C]));
		// A non-member with keys does not validate.
		set_session_keys(STRANGER);
		set_members(&[HOSPITAL_B, HOSPITAL_C]);
		assert_eq!(Consortium::next_validators(), Some(vec![HOSPITAL_B, HOSPITAL_C]));
		// With no member holding keys, the current set stays.
		set_members(&[PATIENT]);
		assert_eq!(Consortium::next_validators(), None);
		set_members(&[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C]);
	});
}

#[test]
fn sessions_last_the_configured_length() {
	with_consortium(|| {
		assert!(!Consortium::should_end_session(0));
		assert!(!Consortium::should_end_session(9));
		assert!(Consortium::should_end_session(10));
		System::set_block_number(10);
		Consortium::note_session_start();
		assert_eq!(Consortium::next_session_end(), 20);
		assert!(!Consortium::should_end_session(19));
		assert!(Consortium::should_end_session(20));
		assert_eq!(Consortium::session_progress(15), sp_runtime::Permill::from_percent(50));
	});
}

#[test]
#[should_panic(expected = "not a base58 libp2p peer id")]
fn a_genesis_with_a_bad_peer_id_does_not_build() {
	use sp_runtime::BuildStorage;
	let _ = crate::GenesisConfig::<Test> {
		profiles: vec![(HOSPITAL_A, "Hospital A".into(), vec!["12D3KooWbad".into()])],
		..Default::default()
	}
	.build_storage();
}

/// The pool's view of a signed remark from `who` with `nonce`: what
/// `CheckNonceWithinAllowance` says before the transaction is in a block.
fn pool_accepts(who: u64, nonce: u32) -> Result<(), TransactionValidityError> {
	let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
	CheckNonceWithinAllowance::<Test>::from(nonce)
		.validate_only(Some(who).into(), &call, &DispatchInfo::default(), 0, TransactionSource::External, 0)
		.map(|_| ())
}

#[test]
fn one_account_cannot_get_more_than_its_window_into_the_pool() {
	with_consortium(|| {
		frame_system::Pallet::<Test>::inc_providers(&PATIENT);
		// Person limit: 3 per window. Nonces 0, 1, 2 wait in the pool; 3 is refused.
		for nonce in 0..3 {
			assert_ok!(pool_accepts(PATIENT, nonce));
		}
		let beyond = Err(InvalidTransaction::Custom(admission_error::POOL_ALLOWANCE_EXCEEDED).into());
		assert_eq!(pool_accepts(PATIENT, 3), beyond);
		assert_eq!(pool_accepts(PATIENT, 1000), beyond);
		assert!(admission_error::describe(admission_error::POOL_ALLOWANCE_EXCEEDED).is_some());
		// One lands in a block: the window has two left, and the pool still
		// admits only nonces that fit them.
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![] });
		assert_ok!(CheckNonceWithinAllowance::<Test>::from(0).validate_and_prepare(
			Some(PATIENT).into(),
			&call,
			&DispatchInfo::default(),
			0,
			0
		));
		assert_ok!(admit(PATIENT));
		assert_ok!(pool_accepts(PATIENT, 2));
		assert_eq!(pool_accepts(PATIENT, 3), beyond);
		// A stale nonce is refused as frame-system refuses it.
		assert_eq!(pool_accepts(PATIENT, 0), Err(InvalidTransaction::Stale.into()));
		// An unregistered account gets nothing into the pool.
		frame_system::Pallet::<Test>::inc_providers(&STRANGER);
		assert_eq!(pool_accepts(STRANGER, 0), Err(InvalidTransaction::Custom(admission_error::UNREGISTERED).into()));
	});
}

#[test]
fn a_hospitals_node_accounts_share_its_limit() {
	with_consortium(|| {
		crate::Limits::<Test>::mutate(|limits| limits.hospital = RateLimit { transactions: 8, blocks: 5 });
		// Four node accounts and the hospital itself draw on one window of 8.
		let mut admitted = 0;
		for round in 0..4 {
			for who in NODES_OF_A.iter().chain([HOSPITAL_A].iter()) {
				if admit(*who).is_ok() {
					admitted += 1;
				}
				let _ = round;
			}
		}
		assert_eq!(admitted, 8, "five accounts of one hospital share one limit");
		assert_eq!(Windows::<Test>::get(HOSPITAL_A), Some(TxWindow { start: 1, count: 8 }));
		for who in NODES_OF_A {
			assert_eq!(Windows::<Test>::get(who), None, "no node account has a window of its own");
			assert_eq!(admit(who), Err(InvalidTransaction::Custom(admission_error::RATE_LIMITED).into()));
		}
		// Another hospital's limit is untouched.
		assert_ok!(admit(HOSPITAL_B));
		// A node of a hospital that left is not registered.
		set_members(&[HOSPITAL_B, HOSPITAL_C]);
		assert_eq!(admit(NODES_OF_A[0]), Err(InvalidTransaction::Custom(admission_error::UNREGISTERED).into()));
		set_members(&[HOSPITAL_A, HOSPITAL_B, HOSPITAL_C]);
	});
}
