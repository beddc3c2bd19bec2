//! The resource budget as an attacker meets it (docs/admission.md): what a
//! registered patient, a hospital's node account or a member can put into
//! the pool and into blocks, tried with the runtime's real extensions.

use super::{enc, local, signed};
use crate::{AccountId, Ehr, Executive, Runtime, RuntimeCall, RuntimeOrigin, System};
use ehr_primitives::consortium::admission_error;
use frame_support::assert_ok;
use sp_core::Pair;
use sp_keyring::Sr25519Keyring::{Alice, Bob};
use sp_runtime::transaction_validity::{
	InvalidTransaction, TransactionSource, TransactionValidity, TransactionValidityError,
};

/// Registers a patient with fresh Umbral keys, by Alice's hospital; returns
/// its signing pair.
fn register_patient(seed: &str) -> sp_core::sr25519::Pair {
	let patient = sp_core::sr25519::Pair::from_string(seed, None).expect("seed");
	let id: AccountId = patient.public().into();
	let secret = umbral_pre::SecretKey::random();
	let signer = umbral_pre::Signer::new(umbral_pre::SecretKey::random());
	let public_key: ehr_primitives::PublicKeyBytes = enc(&secret.public_key()).try_into().expect("fits");
	let verifying_key: ehr_primitives::PublicKeyBytes = enc(&signer.verifying_key()).try_into().expect("fits");
	let statement = Ehr::key_ownership(&id, &public_key, Some(&verifying_key));
	assert_ok!(Ehr::register_patient(
		RuntimeOrigin::signed(Alice.to_account_id()),
		id,
		public_key,
		verifying_key,
		sp_runtime::MultiSignature::Sr25519(patient.sign(&statement.signing_payload())),
	));
	patient
}

/// The local preset at block 2, in a block being built.
fn in_a_block(test: impl FnOnce()) {
	local().execute_with(|| {
		frame_system::BlockHash::<Runtime>::insert(0, sp_core::H256::repeat_byte(69));
		System::initialize(&2, &Default::default(), &Default::default());
		test();
	});
}

/// The pool's answer for `extrinsic`.
fn pool(extrinsic: &crate::UncheckedExtrinsic) -> TransactionValidity {
	Executive::validate_transaction(TransactionSource::External, extrinsic.clone(), System::parent_hash())
}

fn refused(code: u8) -> Result<sp_runtime::transaction_validity::ValidTransaction, TransactionValidityError> {
	Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(code)))
}

/// Session keys of all-zero public keys.
fn zero_keys() -> crate::SessionKeys {
	codec::Decode::decode(&mut sp_runtime::traits::TrailingZeroInput::zeroes()).expect("zero keys decode")
}

fn remark(bytes: usize) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark { remark: vec![0; bytes] })
}

/// Audit finding 1: a registered patient signed twenty 3.8 MB remarks, which
/// the pool took and which filled one block each. Now none is admitted to
/// the pool or to a block, and another patient's transaction fits.
#[test]
fn a_patients_multi_megabyte_remarks_never_reach_the_pool_or_a_block() {
	in_a_block(|| {
		let eve = register_patient("//RemarkSpammer");
		for nonce in 0..20 {
			let spam = signed(&eve, remark(3_800_000), nonce);
			assert_eq!(pool(&spam), refused(admission_error::CALL_NOT_ADMITTED), "nonce {nonce}");
		}
		// Not in a block either: an author that included one anyway would
		// produce a block the others refuse.
		let spam = signed(&eve, remark(3_800_000), 0);
		assert_eq!(
			Executive::apply_extrinsic(spam).map(|_| ()),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(admission_error::CALL_NOT_ADMITTED)))
		);
		assert_eq!(System::account_nonce(AccountId::from(eve.public())), 0, "nothing of it was applied");
		// remark_with_event and any other call a patient has no use for: the same.
		let with_event = RuntimeCall::System(frame_system::Call::remark_with_event { remark: vec![1; 8] });
		assert_eq!(pool(&signed(&eve, with_event, 0)), refused(admission_error::CALL_NOT_ADMITTED));
		let set_keys =
			RuntimeCall::Session(pallet_session::Call::set_keys { keys: zero_keys(), proof: vec![0; 30_000] });
		assert_eq!(pool(&signed(&eve, set_keys, 0)), refused(admission_error::CALL_NOT_ADMITTED));

		// A patient's own call is admitted, and the block still has its room.
		let other = register_patient("//HonestPatient");
		let revoke = RuntimeCall::Ehr(pallet_ehr::Call::revoke { grant: 0 });
		assert!(pool(&signed(&other, revoke.clone(), 0)).is_ok());
		assert!(Executive::apply_extrinsic(signed(&other, revoke, 0)).is_ok());
	});
}

/// What a patient may submit is bounded in bytes: one transaction at most
/// 40 KiB, a window (a minute) at most 20 units of 4 KiB, so 80 KiB: 2% of
/// one block's length.
#[test]
fn a_patients_window_is_a_small_fraction_of_one_block() {
	in_a_block(|| {
		let limits = pallet_consortium::Limits::<Runtime>::get();
		let normal = *<Runtime as frame_system::Config>::BlockLength::get()
			.max
			.get(frame_support::dispatch::DispatchClass::Normal);
		assert!(
			limits.person.bytes_per_window() * 40 <= u64::from(normal),
			"a person's window is at most 2.5% of a block"
		);
		let block_ref_time = crate::configs::RuntimeBlockWeights::get().max_block.ref_time();
		assert!(limits.person.ref_time_per_window() * 20 <= block_ref_time, "and at most 5% of its compute");

		let patient = register_patient("//BytePatient");
		// A grant as large as a patient's transactions may be: refused if one byte over.
		let scope = |n: u64| ehr_primitives::Scope::Records((0..n).collect::<Vec<_>>().try_into().expect("bounded"));
		let grant = |scope| {
			RuntimeCall::Ehr(pallet_ehr::Call::grant {
				grantee: Bob.to_account_id(),
				scope,
				threshold: 1,
				proxies: Default::default(),
				expires_at: None,
				purpose: ehr_primitives::Purpose::Treatment,
			})
		};
		let small = signed(&patient, grant(scope(1)), 0);
		assert!(pool(&small).is_ok());
		// A re-keying of sixteen records with full envelopes fits (about 34 KiB)
		// and costs nine of the window's twenty units.
		let rekey = RuntimeCall::Ehr(pallet_ehr::Call::rekey_records {
			records: (0..16u64)
				.map(|id| {
					(
						id,
						vec![1u8; 101].try_into().expect("fits"),
						vec![2u8; ehr_primitives::MAX_ENCRYPTED_METADATA_LEN as usize].try_into().expect("fits"),
					)
				})
				.collect::<Vec<_>>()
				.try_into()
				.expect("sixteen"),
		});
		let rekey = signed(&patient, rekey, 0);
		assert!(codec::Encode::encoded_size(&rekey) <= limits.person.max_length as usize);
		assert!(pool(&rekey).is_ok(), "a full re-keying is admitted");
		assert!(Executive::apply_extrinsic(rekey).is_ok());
		let window = pallet_consortium::Windows::<Runtime>::get(AccountId::from(patient.public())).map(|w| w.count);
		assert_eq!(window, Some(9), "34 KiB cost 9 units of 4 KiB");
		// Two more of those would need 18 of the 11 units left: the second is refused.
		let rekey_again = |nonce| {
			signed(
				&patient,
				RuntimeCall::Ehr(pallet_ehr::Call::rekey_records {
					records: (0..16u64)
						.map(|id| {
							(id, vec![1u8; 101].try_into().expect("fits"), vec![3u8; 2048].try_into().expect("fits"))
						})
						.collect::<Vec<_>>()
						.try_into()
						.expect("sixteen"),
				}),
				nonce,
			)
		};
		assert!(Executive::apply_extrinsic(rekey_again(1)).is_ok());
		assert_eq!(
			Executive::apply_extrinsic(rekey_again(2)).map(|_| ()),
			Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(admission_error::RATE_LIMITED)))
		);
	});
}

/// A member's transactions are bounded too: at most 192 KiB each (a full
/// batch of records), so a member cannot fill blocks with one transaction
/// either, nor carry a runtime's code in a signed transaction.
#[test]
fn a_members_transaction_is_bounded_in_length() {
	in_a_block(|| {
		let max = pallet_consortium::Limits::<Runtime>::get().hospital.max_length as usize;
		assert!(pool(&signed(&Alice.pair(), remark(16 * 1024), 0)).is_ok(), "a small remark is a member's own");
		assert_eq!(pool(&signed(&Alice.pair(), remark(max), 0)), refused(admission_error::TOO_LARGE));
		assert_eq!(pool(&signed(&Alice.pair(), remark(3_800_000), 0)), refused(admission_error::TOO_LARGE));
		let code = RuntimeCall::System(frame_system::Call::set_code { code: vec![0; 64] });
		assert_eq!(pool(&signed(&Alice.pair(), code.clone(), 0)), refused(admission_error::CALL_NOT_ADMITTED));
		let as_root =
			RuntimeCall::Consortium(pallet_consortium::Call::dispatch_as_root { call: Box::new(code.clone()) });
		assert_eq!(pool(&signed(&Alice.pair(), as_root, 0)), refused(admission_error::CALL_NOT_ADMITTED));
		// A council motion carrying a runtime's code is too long to submit.
		let motion = RuntimeCall::Council(pallet_collective::Call::propose {
			threshold: 3,
			proposal: Box::new(RuntimeCall::System(frame_system::Call::set_code { code: vec![0; 1_500_000] })),
			length_bound: 1_500_100,
		});
		assert_eq!(pool(&signed(&Alice.pair(), motion, 0)), refused(admission_error::TOO_LARGE));
	});
}

/// A node account does its proxy's work and nothing else: no remark, no
/// grant, no records of its own.
#[test]
fn a_node_account_makes_only_its_proxys_calls() {
	in_a_block(|| {
		let node = sp_core::sr25519::Pair::from_string("//BudgetNode", None).expect("seed");
		let proxy_key: ehr_primitives::PublicKeyBytes =
			enc(&umbral_pre::SecretKey::random().public_key()).try_into().expect("fits");
		assert_ok!(Ehr::register_proxy(
			RuntimeOrigin::signed(Alice.to_account_id()),
			super::consenting_nodes(&Alice.to_account_id(), std::slice::from_ref(&node)),
			proxy_key
		));
		assert_eq!(pool(&signed(&node, remark(10), 0)), refused(admission_error::CALL_NOT_ADMITTED));
		let revoke = RuntimeCall::Ehr(pallet_ehr::Call::revoke { grant: 0 });
		assert_eq!(pool(&signed(&node, revoke, 0)), refused(admission_error::CALL_NOT_ADMITTED));
		let confirm = RuntimeCall::Ehr(pallet_ehr::Call::confirm_fetch { request: 0 });
		let confirmed = pool(&signed(&node, confirm, 0)).expect("a read confirmation is its work");
		let hospital = pool(&signed(&Alice.pair(), remark(10), 0)).expect("admitted");
		let patient = register_patient("//PriorityPatient");
		let person =
			pool(&signed(&patient, RuntimeCall::Ehr(pallet_ehr::Call::revoke { grant: 0 }), 0)).expect("admitted");
		assert!(
			confirmed.priority > hospital.priority && hospital.priority > person.priority,
			"node work first, then hospitals, then people"
		);
	});
}

/// The dev chain's sudo key may use sudo; no other member may.
#[test]
fn only_the_sudo_key_may_submit_sudo() {
	in_a_block(|| {
		let sudo = RuntimeCall::Sudo(pallet_sudo::Call::sudo { call: Box::new(remark(1)) });
		assert_eq!(pool(&signed(&Bob.pair(), sudo.clone(), 0)), refused(admission_error::CALL_NOT_ADMITTED));
		pallet_sudo::Key::<Runtime>::put(Bob.to_account_id());
		assert!(pool(&signed(&Bob.pair(), sudo, 0)).is_ok());
	});
}

/// `session.set_keys` with a proof that is not one is refused by the pool:
/// pallet-session would check it only at dispatch, after it took block
/// space.
#[test]
fn session_keys_without_a_valid_proof_never_reach_a_block() {
	in_a_block(|| {
		let keys = zero_keys();
		for proof in [vec![0u8; 128], vec![0u8; 30_000]] {
			let call = RuntimeCall::Session(pallet_session::Call::set_keys { keys: keys.clone(), proof });
			assert_eq!(pool(&signed(&Alice.pair(), call, 0)), refused(admission_error::CALL_NOT_ADMITTED));
		}
	});
}

/// Audit finding 10: one member filled all 32 motion slots, so nobody could
/// propose anything, not even its removal. Now a member has at most two
/// motions open, the council has room for every member's two, and a
/// closed motion frees its proposer's slot.
#[test]
fn one_member_cannot_jam_the_council() {
	use crate::Council;
	use frame_support::assert_noop;
	in_a_block(|| {
		let alice = Alice.to_account_id();
		let motion = |i: u8| Box::new(RuntimeCall::System(frame_system::Call::remark { remark: vec![i] }));
		let propose = |who: &AccountId, i: u8| Council::propose(RuntimeOrigin::signed(who.clone()), 3, motion(i), 64);
		assert_ok!(propose(&alice, 0));
		assert_ok!(propose(&alice, 1));
		assert_noop!(propose(&alice, 2), pallet_consortium::Error::<Runtime>::TooManyOpenMotions);

		propose_removal_of(&alice);
		// Every member has room for its own two at once.
		for (i, member) in [sp_keyring::Sr25519Keyring::Charlie, sp_keyring::Sr25519Keyring::Dave].iter().enumerate() {
			assert_ok!(propose(&member.to_account_id(), 10 + 2 * i as u8));
			assert_ok!(propose(&member.to_account_id(), 11 + 2 * i as u8));
		}
		let open = pallet_collective::Proposals::<Runtime, crate::configs::CouncilInstance>::get().len();
		assert_eq!(open, 7);
		use frame_support::traits::Get;
		assert!(
			open as u32 <= <Runtime as pallet_collective::Config<crate::configs::CouncilInstance>>::MaxProposals::get()
		);

		// Once one of Alice's motions is closed (here voted down), she may propose again.
		let hash = pallet_collective::Proposals::<Runtime, crate::configs::CouncilInstance>::get()[0];
		for nay in [sp_keyring::Sr25519Keyring::Bob, sp_keyring::Sr25519Keyring::Charlie] {
			assert_ok!(Council::vote(RuntimeOrigin::signed(nay.to_account_id()), hash, 0, false));
		}
		System::set_block_number(2 + crate::configs::MotionDuration::get() + 1);
		assert_ok!(Council::close(
			RuntimeOrigin::signed(alice.clone()),
			hash,
			0,
			frame_support::weights::Weight::from_parts(1_000_000_000, 100_000),
			64
		));
		assert_ok!(propose(&alice, 3));
		// The closed motion's ticket is released by anyone, freeing its entry.
		assert_ok!(Council::release_proposal_cost(RuntimeOrigin::signed(Bob.to_account_id()), hash));
		assert!(pallet_collective::CostOf::<Runtime, crate::configs::CouncilInstance>::get(hash).is_none());
	});
}

/// Bob proposes the removal of `member`.
fn propose_removal_of(member: &AccountId) {
	use crate::Council;
	let remove = RuntimeCall::HospitalMembership(pallet_membership::Call::remove_member { who: member.clone().into() });
	let length = codec::Encode::encoded_size(&remove) as u32;
	assert_ok!(Council::propose(RuntimeOrigin::signed(Bob.to_account_id()), 3, Box::new(remove), length));
}
