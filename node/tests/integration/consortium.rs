//! The consortium on real nodes: hospitals voted in and out by two thirds of
//! the members, validators and peers that follow membership, a runtime
//! upgrade by vote, and fee-less admission with a rate limit.

use codec::{Decode, Encode};
use ehr_primitives::consortium::{admission_error, RateLimit, RateLimits};
use ehr_runtime::{AccountId, Address, RuntimeCall, SessionKeys};
use ehr_test_utils::{chain::Chain, council::Council, local_network, node_key, peer_id, Node};
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;

/// How long a vote, a session change or a sync may take on the test network
/// (sessions are 10 blocks of 3 s; a validator change takes up to two).
const CHAIN_TIMEOUT: Duration = Duration::from_secs(150);

fn step(text: &str) {
	eprintln!("[consortium] {text}");
}

fn members(chain: &Chain) -> Vec<AccountId> {
	chain.storage("HospitalMembership", "Members", &[]).expect("reading the members").unwrap_or_default()
}

fn validators(chain: &Chain) -> Vec<AccountId> {
	chain.storage("Session", "Validators", &[]).expect("reading the validators").unwrap_or_default()
}

fn peer_ids_of(node: &Node) -> Vec<String> {
	let peers = node.rpc("system_peers", jsonrpsee::rpc_params![]).expect("system_peers answers");
	peers
		.as_array()
		.map(|list| list.iter().filter_map(|p| p["peerId"].as_str().map(String::from)).collect())
		.unwrap_or_default()
}

/// New session keys in `node`'s keystore with their proof of possession for
/// `owner` (`author_rotateKeysWithOwner`), decoded for `Session::set_keys`.
fn session_keys_for(node: &Node, owner: &AccountId) -> (SessionKeys, Vec<u8>) {
	let generated = node
		.rpc("author_rotateKeysWithOwner", jsonrpsee::rpc_params![format!("0x{}", hex::encode(owner.encode()))])
		.expect("author_rotateKeysWithOwner answers");
	let bytes = |field: &str| {
		let text = generated[field].as_str().unwrap_or_else(|| panic!("no {field} in {generated}"));
		hex::decode(text.trim_start_matches("0x")).unwrap_or_else(|e| panic!("{field} is not hex: {e}"))
	};
	let keys = SessionKeys::decode(&mut &bytes("keys")[..]).expect("the node's session keys decode");
	(keys, bytes("proof"))
}

fn add_member(who: AccountId) -> RuntimeCall {
	RuntimeCall::HospitalMembership(pallet_membership::Call::add_member { who: Address::Id(who) })
}

fn remove_member(who: AccountId) -> RuntimeCall {
	RuntimeCall::HospitalMembership(pallet_membership::Call::remove_member { who: Address::Id(who) })
}

#[test]
fn hospitals_are_voted_in_and_out_and_validators_and_peers_follow() {
	let network = local_network();
	let alice = &network.alice;
	alice.wait_for_blocks(2);
	let chain = Chain::connect(alice);
	let council = Council { chain: &chain };
	let eve: AccountId = Sr25519Keyring::Eve.to_account_id();

	// Eve (node key 5) is a hospital that wants to join; Ferdie (node key 6)
	// is an outsider that never will. Both have the right chain spec and
	// Alice as boot node.
	let bootnode = vec![
		"--bootnodes".to_string(),
		format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port(), peer_id(&node_key(1))),
	];
	let eve_node = Node::start("eve", "local", &bootnode, None, Some(node_key(5).as_str()));
	let ferdie_node = Node::start("ferdie", "local", &bootnode, None, Some(node_key(6).as_str()));
	let ferdie_peer = peer_id(&node_key(6));

	step("outsiders cannot join or sync");
	let start = alice.best_number().expect("alice's best block");
	alice.wait_for_blocks(start + 5);
	assert_eq!(eve_node.best_number().expect("eve's best block"), 0, "a non-member node synced: {}", eve_node.status());
	assert_eq!(
		ferdie_node.best_number().expect("ferdie's best block"),
		0,
		"an outsider synced: {}",
		ferdie_node.status()
	);
	assert!(!peer_ids_of(alice).contains(&ferdie_peer), "alice syncs with the outsider");

	step("2 of 4 ayes do not admit a hospital");
	council.decide(add_member(eve.clone()), 2, Sr25519Keyring::Alice, &[Sr25519Keyring::Bob]);
	assert!(!members(&chain).contains(&eve), "two of four members admitted a hospital");

	step("3 of 4 ayes admit Eve's hospital");
	council.decide(add_member(eve.clone()), 3, Sr25519Keyring::Alice, &[Sr25519Keyring::Bob, Sr25519Keyring::Charlie]);
	assert!(members(&chain).contains(&eve), "three of four ayes did not admit Eve");

	step("Eve publishes its node and sets session keys; its node syncs");
	let eve_signer = Sr25519Keyring::Eve.pair();
	chain
		.submit(
			&eve_signer,
			RuntimeCall::Consortium(pallet_consortium::Call::set_profile {
				name: b"Hospital E (Eve)".to_vec().try_into().expect("a name within the bound"),
				peer_ids: vec![peer_id(&node_key(5)).into_bytes().try_into().expect("a peer id within the bound")]
					.try_into()
					.expect("one peer id"),
			}),
		)
		.expect("a member may publish its profile");
	// As an operator does it: Eve's node makes new session keys and proves
	// them owned by Eve's account (pallet-session refuses keys without that
	// proof of possession).
	let (keys, proof) = session_keys_for(&eve_node, &eve);
	chain
		.submit(&eve_signer, RuntimeCall::Session(pallet_session::Call::set_keys { keys, proof }))
		.expect("a member may set session keys");
	chain.wait(CHAIN_TIMEOUT, "Eve's node to sync", |_| {
		let target = alice.finalized_number()?;
		Ok((eve_node.best_number()? >= target && target > 0).then_some(()))
	});

	step("Eve validates from the next session on");
	chain.wait(CHAIN_TIMEOUT, "Eve to be a validator", |chain| Ok(validators(chain).contains(&eve).then_some(())));
	chain.wait(CHAIN_TIMEOUT, "Eve's node to author a block", |_| {
		let log = std::fs::read_to_string(eve_node.log_path()).map_err(|e| e.to_string())?;
		Ok(log.contains("Pre-sealed block for proposal").then_some(()))
	});
	let finalized = alice.finalized_number().expect("alice's finalized block");
	chain.wait(CHAIN_TIMEOUT, "finality with five validators", |_| {
		Ok((alice.finalized_number()? >= finalized + 3).then_some(()))
	});

	step("with five members, 3 ayes are not two thirds; 4 remove Eve");
	council.decide(
		remove_member(eve.clone()),
		3,
		Sr25519Keyring::Bob,
		&[Sr25519Keyring::Charlie, Sr25519Keyring::Dave],
	);
	assert!(members(&chain).contains(&eve), "three of five members removed a hospital");
	council.decide(
		remove_member(eve.clone()),
		4,
		Sr25519Keyring::Bob,
		&[Sr25519Keyring::Alice, Sr25519Keyring::Charlie, Sr25519Keyring::Dave],
	);
	assert!(!members(&chain).contains(&eve), "four of five ayes did not remove Eve");

	step("removing Eve stops it validating");
	chain.wait(CHAIN_TIMEOUT, "Eve to leave the validators", |chain| {
		Ok((!validators(chain).contains(&eve)).then_some(()))
	});
	let finalized = alice.finalized_number().expect("alice's finalized block");
	chain.wait(CHAIN_TIMEOUT, "finality without Eve", |_| {
		Ok((alice.finalized_number()? >= finalized + 3).then_some(()))
	});

	step("the outsider never synced");
	assert_eq!(
		ferdie_node.best_number().expect("ferdie's best block"),
		0,
		"the outsider synced: {}",
		ferdie_node.status()
	);
	assert!(!peer_ids_of(alice).contains(&ferdie_peer), "alice syncs with the outsider");
}

#[test]
fn the_runtime_is_upgraded_by_vote() {
	let network = local_network();
	let alice = &network.alice;
	alice.wait_for_blocks(2);
	let chain = Chain::connect(alice);
	let council = Council { chain: &chain };
	let before = chain.spec_version().expect("the spec version");
	let code = ehr_runtime::upgrade_test_wasm::WASM_BINARY.expect("the upgrade test wasm was built").to_vec();

	// The motion carries the code's hash; the code itself follows as an
	// unsigned transaction that only the authorized hash admits (no signed
	// transaction may be as long as a runtime, docs/admission.md).
	let code_hash = sp_core::H256::from(sp_crypto_hashing::blake2_256(&code));
	let authorize = RuntimeCall::Consortium(pallet_consortium::Call::dispatch_as_root {
		call: Box::new(RuntimeCall::System(frame_system::Call::authorize_upgrade { code_hash })),
	});

	step("3 of 4 ayes authorize the upgrade");
	council.decide(authorize, 3, Sr25519Keyring::Alice, &[Sr25519Keyring::Bob, Sr25519Keyring::Dave]);
	step("code other than the authorized one is refused by the pool");
	let mut other = code.clone();
	other.push(0);
	chain
		.submit_unsigned(RuntimeCall::System(frame_system::Call::apply_authorized_upgrade { code: other }))
		.expect_err("unauthorized code is refused");
	step("anyone submits the authorized code, and the runtime is upgraded");
	chain
		.submit_unsigned(RuntimeCall::System(frame_system::Call::apply_authorized_upgrade { code }))
		.expect("the authorized code is accepted");
	for node in network.nodes() {
		let chain = Chain::connect(node);
		chain.wait(CHAIN_TIMEOUT, "the new spec version", |chain| Ok((chain.spec_version()? > before).then_some(())));
	}
	let upgraded = alice.finalized_number().expect("alice's finalized block");
	chain.wait(CHAIN_TIMEOUT, "finality after the upgrade", |_| {
		Ok((alice.finalized_number()? >= upgraded + 3).then_some(()))
	});

	step("transactions work on the new runtime");
	let chain = Chain::connect(alice);
	chain
		.submit(
			&Sr25519Keyring::Bob.pair(),
			RuntimeCall::System(frame_system::Call::remark { remark: b"after".to_vec() }),
		)
		.expect("a member's transaction is accepted after the upgrade");
}

#[test]
fn unregistered_accounts_are_refused_and_rate_limits_hold() {
	let mut node = Node::start("alice", "dev", &[], None, None);
	node.wait_for(CHAIN_TIMEOUT, "block #2", |node| Ok(node.best_number()? >= 2));
	let chain = Chain::connect(&node);
	// A patient's cheapest call: revoking a grant that does not exist fails
	// in dispatch, but is admitted, included and counted like any other.
	let cheap = |text: &str| RuntimeCall::Ehr(ehr_runtime::EhrCall::revoke { grant: 1_000_000 + text.len() as u64 });
	let patient = sr25519::Pair::from_string("//ConsortiumTestPatient", None).expect("a dev key");

	step("an unregistered account is refused with its reason");
	let refused = chain.submit(&patient, cheap("hello")).expect_err("an unregistered account's transaction is refused");
	assert!(
		refused.contains(&format!("Custom error: {}", admission_error::UNREGISTERED)),
		"unexpected reason: {refused}"
	);

	step("registered as a patient, it may transact");
	ehr_test_utils::ehr::register_patient(
		&chain,
		&Sr25519Keyring::Alice.pair(),
		&patient,
		&umbral_pre::SecretKey::random(),
		&umbral_pre::Signer::new(umbral_pre::SecretKey::random()),
	);
	chain.wait(CHAIN_TIMEOUT, "the patient to be registered", |chain| {
		let info: Option<ehr_primitives::PatientInfo<AccountId>> =
			chain.call("EhrApi_patient", AccountId::from(patient.public()))?;
		Ok(info.map(|_| ()))
	});

	step("the consortium (sudo on a dev chain) limits people to 2 transactions per 10 blocks");
	let defaults = RateLimits::default();
	let limits = RateLimits {
		person: RateLimit { units: 2, blocks: 10, ..defaults.person },
		hospital: RateLimit { units: 1000, blocks: 10, ..defaults.hospital },
	};
	chain
		.submit(
			&Sr25519Keyring::Alice.pair(),
			RuntimeCall::Sudo(pallet_sudo::Call::sudo {
				call: Box::new(RuntimeCall::Consortium(pallet_consortium::Call::set_rate_limits { limits })),
			}),
		)
		.expect("sudo sets the limits");
	chain.wait(CHAIN_TIMEOUT, "the new limits", |chain| {
		let now: RateLimits = chain.call("ConsortiumApi_rate_limits", ())?;
		Ok((now == limits).then_some(()))
	});

	step("the pool takes no more of the patient's transactions than its window admits");
	let account: AccountId = patient.public().into();
	let nonce: u32 = chain.call("AccountNonceApi_account_nonce", account.clone()).expect("the account nonce");
	let flooding = chain
		.submit_with_nonce(&patient, cheap("far ahead"), nonce + 2)
		.expect_err("a nonce beyond the window's allowance is refused");
	assert!(
		flooding.contains(&format!("Custom error: {}", admission_error::POOL_ALLOWANCE_EXCEEDED)),
		"unexpected reason: {flooding}"
	);

	step("two transactions pass, the third is refused until the window passes");
	for text in ["one", "two"] {
		chain.submit(&patient, cheap(text)).expect("within the limit");
	}
	chain.wait(CHAIN_TIMEOUT, "both to be counted on chain", |chain| {
		let raw: &[u8] = account.as_ref();
		let key = [&sp_crypto_hashing::blake2_128(raw)[..], raw].concat();
		let window: Option<(u32, u32)> = chain.storage("Consortium", "Windows", &key)?;
		Ok(window.filter(|(_, count)| *count == 2).map(|_| ()))
	});
	let limited = chain.submit(&patient, cheap("three")).expect_err("the third transaction in the window is refused");
	assert!(
		limited.contains(&format!("Custom error: {}", admission_error::RATE_LIMITED)),
		"unexpected reason: {limited}"
	);
	chain.wait(CHAIN_TIMEOUT, "the next window", |chain| Ok(chain.submit(&patient, cheap("three")).ok().map(|_| ())));
	node.assert_running();
}
