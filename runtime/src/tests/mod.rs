//! Runtime-level tests of the consortium's trust rules, on the local
//! preset's genesis (four hospitals, Alice to Dave, with session keys):
//! decisions need two thirds of explicit ayes (no prime, no default aye), a
//! member cannot move its own seat, a removed member keeps no session keys
//! and no proxy, node accounts count against their hospital's limit, and a
//! governed root call is charged what it actually used.

use crate::{
	configs::RegisteredAccounts, genesis_config_presets::local_genesis, AccountId, Council, Ehr, HospitalMembership,
	Runtime, RuntimeCall, RuntimeOrigin, Session, System,
};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, dispatch::GetDispatchInfo, traits::OnInitialize};
use pallet_consortium::{AccountClass, AccountRegistry, Admission, RateLimit, RateLimits};
use sp_keyring::Sr25519Keyring::Ferdie;
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Dave, Eve};
use sp_runtime::{traits::Dispatchable, DispatchError};

mod admission;
mod migrations;

/// `hospital`'s proxy node accounts `nodes`, each with its signed consent
/// to act for `hospital`.
pub(super) fn consenting_nodes(
	hospital: &AccountId,
	nodes: &[sp_core::sr25519::Pair],
) -> frame_support::BoundedVec<
	ehr_primitives::ProxyNodeAccount<AccountId, crate::Signature>,
	frame_support::traits::ConstU32<{ ehr_primitives::MAX_PROXY_ACCOUNTS }>,
> {
	use sp_core::Pair;
	let nodes: Vec<_> = nodes
		.iter()
		.map(|pair| {
			let account = AccountId::from(pair.public());
			let consent = Ehr::proxy_account_consent(hospital, &account).signing_payload();
			ehr_primitives::ProxyNodeAccount { consent: Some(pair.sign(&consent).into()), account }
		})
		.collect();
	nodes.try_into().expect("at most MAX_PROXY_ACCOUNTS")
}

/// `patch` laid over `base`, object by object (how a chain spec applies a preset).
fn merge(base: &mut serde_json::Value, patch: serde_json::Value) {
	match (base, patch) {
		(serde_json::Value::Object(base), serde_json::Value::Object(patch)) => {
			for (key, value) in patch {
				merge(base.entry(key).or_insert(serde_json::Value::Null), value);
			}
		},
		(base, patch) => *base = patch,
	}
}

/// The local preset's genesis, at block 1.
pub(super) fn local() -> sp_io::TestExternalities {
	let mut ext = sp_io::TestExternalities::new_empty();
	ext.execute_with(|| {
		let mut config = serde_json::to_value(crate::RuntimeGenesisConfig::default()).expect("the default serializes");
		merge(&mut config, local_genesis());
		let patch = serde_json::to_string(&config).expect("the preset serializes");
		frame_support::genesis_builder_helper::build_state::<crate::RuntimeGenesisConfig>(patch.into_bytes())
			.expect("the local preset builds");
		System::set_block_number(1);
	});
	ext
}

/// Rate limits different from the preset's, as a governance call.
fn new_limits() -> (RateLimits, RuntimeCall) {
	let defaults = RateLimits::default();
	let limits = RateLimits {
		person: RateLimit { units: 7, blocks: 70, ..defaults.person },
		hospital: RateLimit { units: 700, blocks: 70, ..defaults.hospital },
	};
	(limits, RuntimeCall::Consortium(pallet_consortium::Call::set_rate_limits { limits }))
}

#[test]
fn a_prime_cannot_carry_a_motion_the_others_abstain_on() {
	local().execute_with(|| {
		// The membership will not name a prime, not even by a root decision.
		assert_noop!(
			HospitalMembership::set_prime(RuntimeOrigin::root(), Alice.to_account_id().into()),
			DispatchError::BadOrigin
		);
		// Say a prime were set in the council directly: it still does not vote for the absent.
		let members: Vec<AccountId> = [Alice, Bob, Charlie, Dave].iter().map(|k| k.to_account_id()).collect();
		assert_ok!(Council::set_members(RuntimeOrigin::root(), members, Some(Alice.to_account_id()), 4));
		let (limits, call) = new_limits();
		let length = call.encoded_size() as u32;
		assert_ok!(Council::propose(RuntimeOrigin::signed(Alice.to_account_id()), 3, Box::new(call.clone()), length));
		let hash = pallet_collective::Proposals::<Runtime, pallet_collective::Instance1>::get()[0];
		// The prime votes aye; the three others abstain.
		assert_ok!(Council::vote(RuntimeOrigin::signed(Alice.to_account_id()), hash, 0, true));
		System::set_block_number(1 + crate::configs::MotionDuration::get() + 1);
		assert_ok!(Council::close(
			RuntimeOrigin::signed(Alice.to_account_id()),
			hash,
			0,
			call.get_dispatch_info().call_weight,
			length
		));
		assert_ne!(pallet_consortium::Limits::<Runtime>::get(), limits, "one aye and three abstentions decide nothing");

		// Three explicit ayes of four do.
		let length = call.encoded_size() as u32;
		assert_ok!(Council::propose(RuntimeOrigin::signed(Alice.to_account_id()), 3, Box::new(call.clone()), length));
		let hash = pallet_collective::Proposals::<Runtime, pallet_collective::Instance1>::get()[0];
		for voter in [Alice, Bob, Charlie] {
			assert_ok!(Council::vote(RuntimeOrigin::signed(voter.to_account_id()), hash, 1, true));
		}

		assert_ok!(Council::close(
			RuntimeOrigin::signed(Alice.to_account_id()),
			hash,
			1,
			call.get_dispatch_info().call_weight,
			length
		));
		assert_eq!(pallet_consortium::Limits::<Runtime>::get(), limits);
	});
}

#[test]
fn a_member_cannot_move_its_seat_to_another_account() {
	local().execute_with(|| {
		let call =
			RuntimeCall::HospitalMembership(pallet_membership::Call::change_key { new: Eve.to_account_id().into() });
		let refused = call.dispatch(RuntimeOrigin::signed(Alice.to_account_id())).expect_err("change_key is filtered");
		assert_eq!(refused.error, frame_system::Error::<Runtime>::CallFiltered.into());
		assert!(HospitalMembership::members().contains(&Alice.to_account_id()));
		assert!(!HospitalMembership::members().contains(&Eve.to_account_id()));
	});
}

#[test]
fn a_removed_member_keeps_no_session_keys_and_no_proxy() {
	local().execute_with(|| {
		let dave = Dave.to_account_id();
		let node: AccountId = Eve.to_account_id();
		let proxy_key = ehr_primitives::umbral_codec::encode(&umbral_pre::SecretKey::random().public_key())
			.expect("a key encodes")
			.try_into()
			.expect("fits");
		assert_ok!(Ehr::register_proxy(
			RuntimeOrigin::signed(dave.clone()),
			consenting_nodes(&dave, &[Eve.pair()]),
			proxy_key
		));
		assert!(pallet_session::NextKeys::<Runtime>::contains_key(&dave));

		assert_ok!(HospitalMembership::remove_member(RuntimeOrigin::root(), dave.clone().into()));
		assert!(!pallet_session::NextKeys::<Runtime>::contains_key(&dave), "its keys are purged");
		assert!(pallet_ehr::Proxies::<Runtime>::get(&dave).is_none(), "its proxy is retired");
		assert_eq!(RegisteredAccounts::admission_of(&node), None, "its node account can no longer transact");
		assert_eq!(RegisteredAccounts::admission_of(&dave), None);
		// Its account (and nonce) stays, so old transactions cannot be replayed.
		assert!(System::account_exists(&dave));
		// The next validators are the three members left.
		crate::Consortium::on_initialize(crate::genesis_config_presets::PRESET_SESSION_LENGTH);
		assert_eq!(pallet_consortium::Pallet::<Runtime>::next_validators().map(|v| v.len()), Some(3));
		// Admitted again, it cannot set keys without a new key-owner proof, and
		// until it does it is no validator.
		assert_ok!(HospitalMembership::add_member(RuntimeOrigin::root(), dave.clone().into()));
		assert!(!pallet_consortium::Pallet::<Runtime>::next_validators().unwrap_or_default().contains(&dave));
	});
}

#[test]
fn a_hospitals_node_accounts_count_against_the_hospital() {
	local().execute_with(|| {
		let alice = Alice.to_account_id();
		let nodes: Vec<AccountId> = [Eve, Ferdie].iter().map(|k| k.to_account_id()).collect();
		let proxy_key = ehr_primitives::umbral_codec::encode(&umbral_pre::SecretKey::random().public_key())
			.expect("a key encodes")
			.try_into()
			.expect("fits");
		assert_ok!(Ehr::register_proxy(
			RuntimeOrigin::signed(alice.clone()),
			consenting_nodes(&alice, &[Eve.pair(), Ferdie.pair()]),
			proxy_key
		));
		for node in &nodes {
			assert_eq!(
				RegisteredAccounts::admission_of(node),
				Some(Admission { class: AccountClass::HospitalNode, counted_as: alice.clone() })
			);
		}
	});
}

#[test]
fn a_governed_root_call_is_charged_what_it_used() {
	local().execute_with(|| {
		// A remark reports no actual weight, so its declared weight is charged.
		let inner = RuntimeCall::System(frame_system::Call::remark_with_event { remark: vec![1; 32] });
		let declared = inner.get_dispatch_info().call_weight;
		let post = pallet_consortium::Pallet::<Runtime>::dispatch_as_root(RuntimeOrigin::root(), Box::new(inner))
			.expect("root may");
		let base =
			<<Runtime as pallet_consortium::Config>::WeightInfo as pallet_consortium::WeightInfo>::dispatch_as_root();
		assert_eq!(post.actual_weight, Some(base + declared));
	});
}

/// The canonical bytes of an Umbral object.
pub(super) fn enc<T: serde::Serialize>(object: &T) -> Vec<u8> {
	ehr_primitives::umbral_codec::encode(object).expect("umbral objects encode")
}

/// Bytes of every key and value in state: what the trie stores, before the
/// trie's own node overhead.
fn state_bytes() -> usize {
	let mut total = 0;
	let mut key = Vec::new();
	while let Some(next) = sp_io::storage::next_key(&key) {
		total += next.len() + sp_io::storage::get(&next).map_or(0, |v| v.len());
		key = next;
	}
	total
}

/// Measures, with the runtime's real types and real Umbral objects, how many
/// bytes of state one patient adds in a year at the load docs/benchmarks.md
/// assumes (20 records, 2 grants and 5 requests a year, each request
/// served by 2 of 3 proxies and fetched once), and how many remain once
/// finished requests and ended grants are pruned. The figures go to
/// docs/benchmarks.md; the test fails if a patient-year grows past 64 KiB
/// before pruning or 32 KiB after, so a storage regression shows.
#[test]
fn storage_growth_of_one_patient_year() {
	use sp_core::Pair;
	use umbral_pre::{encrypt, generate_kfrags, reencrypt, SecretKey, Signer};
	local().execute_with(|| {
		let hospitals = [Alice, Bob, Charlie];
		let proxy_secrets: Vec<SecretKey> = hospitals.iter().map(|_| SecretKey::random()).collect();
		for (hospital, secret) in hospitals.iter().zip(&proxy_secrets) {
			// Each hospital's node account is its own account in this measurement.
			assert_ok!(Ehr::register_proxy(
				RuntimeOrigin::signed(hospital.to_account_id()),
				consenting_nodes(&hospital.to_account_id(), &[hospital.pair()]),
				enc(&secret.public_key()).try_into().expect("fits")
			));
		}
		let clinician = sp_core::sr25519::Pair::from_string("//GrowthClinician", None).expect("seed");
		let clinician_secret = SecretKey::random();
		let public_key: ehr_primitives::PublicKeyBytes = enc(&clinician_secret.public_key()).try_into().expect("fits");
		let statement = Ehr::key_ownership(&clinician.public().into(), &public_key, None);
		assert_ok!(Ehr::register_provider(
			RuntimeOrigin::signed(Bob.to_account_id()),
			clinician.public().into(),
			public_key,
			Some(Bob.to_account_id()),
			sp_runtime::MultiSignature::Sr25519(clinician.sign(&statement.signing_payload())),
		));

		let before = state_bytes();
		let patient = sp_core::sr25519::Pair::from_string("//GrowthPatient", None).expect("seed");
		let patient_id: AccountId = patient.public().into();
		let (patient_secret, patient_signer) = (SecretKey::random(), Signer::new(SecretKey::random()));
		let public_key: ehr_primitives::PublicKeyBytes = enc(&patient_secret.public_key()).try_into().expect("fits");
		let verifying_key: ehr_primitives::PublicKeyBytes =
			enc(&patient_signer.verifying_key()).try_into().expect("fits");
		let statement = Ehr::key_ownership(&patient_id, &public_key, Some(&verifying_key));
		assert_ok!(Ehr::register_patient(
			RuntimeOrigin::signed(Alice.to_account_id()),
			patient_id.clone(),
			public_key,
			verifying_key,
			sp_runtime::MultiSignature::Sr25519(patient.sign(&statement.signing_payload())),
		));
		let registered = state_bytes();

		// 20 records, each with a 512-byte envelope (a FHIR locator, dates,
		// file name and body key, encrypted).
		let mut capsules = Vec::new();
		for i in 0..20u32 {
			let (capsule, ciphertext) = encrypt(&patient_secret.public_key(), &[7u8; 472]).expect("encrypts");
			assert_eq!(ciphertext.len(), 512);
			assert_ok!(Ehr::create_record(
				RuntimeOrigin::signed(Alice.to_account_id()),
				patient_id.clone(),
				enc(&capsule).try_into().expect("fits"),
				ciphertext.to_vec().try_into().expect("fits"),
				sp_core::H256::from(sp_io::hashing::blake2_256(&i.to_le_bytes())),
				1 << 20,
			));
			capsules.push(capsule);
		}
		// 2 grants, each 2 of 3 proxies, all records.
		let mut grants = Vec::new();
		for _ in 0..2 {
			let kfrags =
				generate_kfrags(&patient_secret, &clinician_secret.public_key(), &patient_signer, 2, 3, true, true);
			let proxies: Vec<_> = hospitals
				.iter()
				.zip(&proxy_secrets)
				.zip(&kfrags)
				.map(|((hospital, secret), kfrag)| {
					let sealed =
						ehr_primitives::kfrags::seal_with_rng(&mut rand_core::OsRng, kfrag, &secret.public_key())
							.expect("seals");
					ehr_primitives::GrantProxy {
						hospital: hospital.to_account_id(),
						encrypted_kfrag: sealed.sealed.try_into().expect("fits"),
						kfrag_id: Some(sealed.kfrag_id),
					}
				})
				.collect();
			let id = pallet_ehr::NextGrantId::<Runtime>::get();
			assert_ok!(Ehr::grant(
				RuntimeOrigin::signed(patient_id.clone()),
				clinician.public().into(),
				ehr_primitives::Scope::AllRecords,
				2,
				proxies.try_into().expect("three"),
				Some(System::block_number() + 10),
				ehr_primitives::Purpose::Treatment,
			));
			grants.push((id, kfrags));
		}
		// 5 requests, each served by 2 proxies and fetched once.
		for r in 0..5usize {
			let (grant, kfrags) = &grants[r % 2];
			let record = r as u64;
			let id = pallet_ehr::NextRequestId::<Runtime>::get();
			assert_ok!(Ehr::request_access(RuntimeOrigin::signed(clinician.public().into()), *grant, record));
			for (hospital, kfrag) in hospitals.iter().zip(kfrags).take(2) {
				let cfrag = enc(&reencrypt(&capsules[r], kfrag.clone()).unverify());
				assert_ok!(Ehr::submit_cfrag(
					RuntimeOrigin::signed(hospital.to_account_id()),
					id,
					cfrag.try_into().expect("fits")
				));
			}
			assert_ok!(Ehr::confirm_fetch(RuntimeOrigin::signed(Alice.to_account_id()), id));
		}
		let year = state_bytes();

		// After the retention, the pruner removes the requests and the ended grants.
		let parameters = pallet_ehr::Parameters::<Runtime>::get();
		let later = System::block_number() + parameters.reading_window + parameters.retention + 20;
		System::set_block_number(later);
		use frame_support::traits::OnIdle;
		Ehr::on_idle(later, frame_support::weights::Weight::MAX);
		Ehr::on_idle(later, frame_support::weights::Weight::MAX);
		assert_eq!(pallet_ehr::Requests::<Runtime>::iter().count(), 0);
		assert_eq!(pallet_ehr::Grants::<Runtime>::iter().count(), 0);
		let pruned = state_bytes();

		let registration = registered - before;
		let grown = year - registered;
		let kept = pruned - registered;
		let audit = pallet_ehr::AuditLogLen::<Runtime>::get(&patient_id);
		println!(
			"storage growth: registration {registration} B; one patient-year {grown} B before pruning, {kept} B \
			 after ({audit} audit entries)"
		);
		assert!(grown < 64 * 1024, "a patient-year grew by {grown} bytes");
		assert!(kept < 32 * 1024, "a pruned patient-year keeps {kept} bytes");
	});
}

/// `call` signed by `pair` with `nonce`, immortal (the harshest case for
/// replay: mortality alone would not stop it), as a wallet builds it.
pub(super) fn signed(pair: &sp_core::sr25519::Pair, call: RuntimeCall, nonce: u32) -> crate::UncheckedExtrinsic {
	use sp_core::Pair;
	use sp_runtime::generic::Era;
	let extension: crate::TxExtension = (
		frame_system::CheckNonZeroSender::new(),
		frame_system::CheckSpecVersion::new(),
		frame_system::CheckTxVersion::new(),
		frame_system::CheckGenesis::new(),
		frame_system::CheckEra::from(Era::Immortal),
		pallet_consortium::CheckRegistered::new(),
		pallet_consortium::CheckNonceWithinAllowance::from(nonce),
		frame_system::CheckWeight::new(),
		frame_metadata_hash_extension::CheckMetadataHash::new(false),
		frame_system::WeightReclaim::new(),
	);
	let payload = crate::SignedPayload::new(call.clone(), extension.clone()).expect("the payload builds");
	let signature = payload.using_encoded(|bytes| pair.sign(bytes));
	crate::UncheckedExtrinsic::new_signed(
		call,
		crate::Address::Id(pair.public().into()),
		sp_runtime::MultiSignature::Sr25519(signature),
		extension,
	)
}

#[test]
fn a_replayed_old_transaction_is_refused_even_after_re_registration() {
	use sp_core::Pair;
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};
	local().execute_with(|| {
		frame_system::BlockHash::<Runtime>::insert(0, sp_core::H256::repeat_byte(69));
		System::initialize(&2, &Default::default(), &Default::default());
		let dave = Dave.to_account_id();
		let node = sp_core::sr25519::Pair::from_string("//ReplayNode", None).expect("seed");
		let node_id: AccountId = node.public().into();
		let proxy_key: ehr_primitives::PublicKeyBytes =
			enc(&umbral_pre::SecretKey::random().public_key()).try_into().expect("fits");
		let register = |nodes: Vec<sp_core::sr25519::Pair>| {
			Ehr::register_proxy(RuntimeOrigin::signed(dave.clone()), consenting_nodes(&dave, &nodes), proxy_key.clone())
		};
		assert_ok!(register(vec![node.clone()]));

		// The node account's transaction lands once (and fails: there is no
		// such request, but it is in the block and its nonce is used).
		let old = signed(&node, RuntimeCall::Ehr(pallet_ehr::Call::confirm_fetch { request: 999 }), 0);
		assert!(crate::Executive::apply_extrinsic(old.clone()).expect("valid").is_err());
		let stale = Err(TransactionValidityError::Invalid(InvalidTransaction::Stale));
		assert_eq!(crate::Executive::apply_extrinsic(old.clone()).map(|_| ()), stale);
		// The hospital drops the node account and registers it again: its nonce
		// was kept, so the old transaction is still refused.
		assert_ok!(register(vec![Eve.pair()]));
		assert_ok!(register(vec![node.clone(), Eve.pair()]));
		assert_eq!(System::account_nonce(&node_id), 1);
		assert_eq!(crate::Executive::apply_extrinsic(old.clone()).map(|_| ()), stale);
		// The hospital is voted out and in again: same.
		let dave_tx = signed(&Dave.pair(), RuntimeCall::System(frame_system::Call::remark { remark: vec![] }), 0);
		assert_ok!(crate::Executive::apply_extrinsic(dave_tx.clone()).expect("valid"));
		assert_ok!(HospitalMembership::remove_member(RuntimeOrigin::root(), dave.clone().into()));
		assert_ok!(HospitalMembership::add_member(RuntimeOrigin::root(), dave.clone().into()));
		assert_eq!(crate::Executive::apply_extrinsic(dave_tx).map(|_| ()), stale);
	});
}

#[test]
fn a_batch_of_records_counts_each_record_toward_the_hospitals_rate_limit() {
	use ehr_primitives::consortium::admission_error;
	use sp_runtime::transaction_validity::{InvalidTransaction, TransactionValidityError};
	local().execute_with(|| {
		frame_system::BlockHash::<Runtime>::insert(0, sp_core::H256::repeat_byte(69));
		System::initialize(&2, &Default::default(), &Default::default());
		let defaults = RateLimits::default();
		let limits = RateLimits {
			person: RateLimit { units: 7, blocks: 70, ..defaults.person },
			hospital: RateLimit { units: 100, blocks: 70, ..defaults.hospital },
		};
		pallet_consortium::Limits::<Runtime>::put(limits);
		// The records need not be valid: admission counts them before dispatch.
		let batch = |n: u8, first: u8| {
			let records: Vec<pallet_ehr::NewRecord<AccountId>> = (first..first + n)
				.map(|i| pallet_ehr::NewRecord {
					patient: Eve.to_account_id(),
					capsule: vec![1; 101].try_into().expect("fits"),
					encrypted_metadata: vec![1].try_into().expect("fits"),
					body_hash: sp_core::H256::repeat_byte(i),
					body_size: 1,
					source: None,
				})
				.collect();
			RuntimeCall::Ehr(pallet_ehr::Call::create_records { records: records.try_into().expect("bounded") })
		};
		use pallet_consortium::AdmissionCost;
		assert_eq!(crate::configs::RecordsCountEach::admission_cost(&batch(64, 0)), 64);
		let window = || pallet_consortium::Windows::<Runtime>::get(Alice.to_account_id()).map(|w| w.count);

		// A full batch uses 64 of the hospital's 100.
		assert!(crate::Executive::apply_extrinsic(signed(&Alice.pair(), batch(64, 0), 0)).is_ok());
		assert_eq!(window(), Some(64));
		// Another full batch would go past 100: refused, as 64 single records would be.
		let limited = Err(TransactionValidityError::Invalid(InvalidTransaction::Custom(admission_error::RATE_LIMITED)));
		assert_eq!(crate::Executive::apply_extrinsic(signed(&Alice.pair(), batch(64, 64), 1)).map(|_| ()), limited);
		assert_eq!(window(), Some(64));
		// What is left fits exactly.
		assert!(crate::Executive::apply_extrinsic(signed(&Alice.pair(), batch(36, 128), 1)).is_ok());
		assert_eq!(window(), Some(100));
	});
}

/// The block that ends a session still takes transactions: the rotation is
/// charged its own (bounded) weight, not pallet-session's whole block,
/// which left one block in every session without a single transaction.
#[test]
fn a_session_rotation_leaves_the_block_to_transactions() {
	local().execute_with(|| {
		use frame_support::weights::Weight;
		use sp_runtime::traits::Header as _;
		let index = pallet_session::CurrentIndex::<Runtime>::get();
		let end = pallet_consortium::Pallet::<Runtime>::next_session_end();
		System::set_block_number(end - 1);
		let header = sp_runtime::generic::Header::<crate::BlockNumber, sp_runtime::traits::BlakeTwo256>::new(
			end,
			Default::default(),
			Default::default(),
			System::parent_hash(),
			Default::default(),
		);
		crate::Executive::initialize_block(&header);
		assert_eq!(pallet_session::CurrentIndex::<Runtime>::get(), index + 1, "the session rotated");
		assert_eq!(pallet_consortium::SessionStart::<Runtime>::get(), end, "and the next one starts here");
		let used = System::block_weight().total();
		let max = crate::configs::RuntimeBlockWeights::get().max_block;
		assert!(used.all_lt(max / 100), "the block's initialization uses {used:?} of {max:?}");
		assert!(
			used.all_gte(crate::configs::session_rotation_weight(u64::from(crate::configs::MAX_HOSPITALS))),
			"and includes the rotation's bound"
		);

		// A normal transaction fits, which it did not with pallet-session's charge.
		let call = RuntimeCall::System(frame_system::Call::remark { remark: vec![0; 32] });
		let info = call.get_dispatch_info();
		assert!(
			frame_system::CheckWeight::<Runtime>::do_prepare(&info, 100, 100).is_ok(),
			"a remark fits in the rotation block"
		);
		assert_eq!(Session::on_initialize(end), Weight::zero(), "pallet-session does not rotate or charge again");
	});
}
