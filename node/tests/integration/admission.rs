//! The resource budget on a real node (docs/admission.md): what one
//! registered patient, or one member, can get into a node's pool and into
//! blocks when it tries to fill them.

use ehr_primitives::{consortium::admission_error, PatientInfo, Scope};
use ehr_runtime::{AccountId, RuntimeCall};
use ehr_test_utils::{
	chain::Chain,
	ehr::{grant, own_proxy, register_patient, register_provider, sealed_kfrags},
	Node,
};
use jsonrpsee::rpc_params;
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::time::{Duration, Instant};
use umbral_pre::{SecretKey, Signer};

const CHAIN_TIMEOUT: Duration = Duration::from_secs(120);

fn step(text: &str) {
	eprintln!("[admission] {text}");
}

fn remark(bytes: usize) -> RuntimeCall {
	RuntimeCall::System(frame_system::Call::remark { remark: vec![0x5A; bytes] })
}

/// The longest extrinsic in block `number`, in bytes.
fn longest_extrinsic(node: &Node, number: u64) -> usize {
	let hash = node.rpc("chain_getBlockHash", rpc_params![number]).expect("a block hash");
	let block = node.rpc("chain_getBlock", rpc_params![hash]).expect("the block");
	block["block"]["extrinsics"]
		.as_array()
		.expect("a block has extrinsics")
		.iter()
		.map(|x| x.as_str().map_or(0, |hex| hex.len().saturating_sub(2) / 2))
		.max()
		.unwrap_or(0)
}

/// Audit finding 1 on a real node: a registered patient submits a 3.5 MB
/// `system.remark` for five blocks. Every one is refused at submission
/// (the pool applies the call policy), no block carries it, and another
/// patient's grant lands in the next block or the one after.
#[test]
fn a_patient_cannot_fill_blocks_with_remarks_and_a_grant_still_lands() {
	let node = Node::start("alice", "dev", &[], None, None);
	node.wait_for_blocks(2);
	let chain = Chain::connect(&node);
	let alice = Sr25519Keyring::Alice;
	let proxy = own_proxy(&chain, &node, alice);
	let spammer = sr25519::Pair::from_string("//RemarkSpammer", None).expect("seed");
	let patient = sr25519::Pair::from_string("//HonestPatient", None).expect("seed");
	let clinician = sr25519::Pair::from_string("//HonestClinician", None).expect("seed");
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	register_patient(&chain, &alice.pair(), &spammer, &SecretKey::random(), &Signer::new(SecretKey::random()));
	register_patient(&chain, &alice.pair(), &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &alice.pair(), &clinician, &clinician_sk);
	for who in [&spammer, &patient] {
		let id: AccountId = who.public().into();
		chain.wait(CHAIN_TIMEOUT, "the patients to be registered", |c| {
			Ok(c.call::<Option<PatientInfo<AccountId>>>("EhrApi_patient", id.clone())?.map(|_| ()))
		});
	}

	step("the patient submits a 3.5 MB remark, again and again, for five blocks");
	let first = node.best_number().expect("the best block");
	let spammer_id: AccountId = spammer.public().into();
	let nonce: u32 = chain.call("AccountNonceApi_account_nonce", spammer_id.clone()).expect("the nonce");
	let mut attempts = 0u32;
	let deadline = Instant::now() + CHAIN_TIMEOUT;
	while node.best_number().expect("the best block") < first + 5 {
		assert!(Instant::now() < deadline, "five blocks did not come: {}", node.status());
		let refused = chain
			.submit_with_nonce(&spammer, remark(3_500_000), nonce + attempts % 20)
			.expect_err("a patient's remark is refused at submission");
		assert!(
			refused.contains(&format!("Custom error: {}", admission_error::CALL_NOT_ADMITTED)),
			"unexpected reason: {refused}"
		);
		attempts += 1;
		std::thread::sleep(Duration::from_millis(300));
	}
	step(&format!("{attempts} remarks refused"));
	let pending = node.rpc("author_pendingExtrinsics", rpc_params![]).expect("the pool's transactions");
	assert!(
		pending.as_array().expect("a list").iter().all(|x| x.as_str().map_or(0, str::len) < 200_000),
		"a large transaction waits in the pool"
	);

	step("a member's 3.5 MB remark is refused too: too large for any account");
	let refused =
		chain.submit(&alice.pair(), remark(3_500_000)).expect_err("a member's multi-megabyte remark is refused");
	assert!(refused.contains(&format!("Custom error: {}", admission_error::TOO_LARGE)), "unexpected reason: {refused}");

	step("the honest patient's grant lands in the next block or the one after");
	let kfrags = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 1, &[proxy], None);
	let submitted_at = node.best_number().expect("the best block");
	grant(&chain, &patient, clinician.public().into(), Scope::AllRecords, 1, kfrags);
	let seen_at = node.best_number().expect("the best block");
	assert!(seen_at <= submitted_at + 2, "the grant waited from block {submitted_at} to {seen_at}");
	let best = node.best_number().expect("the best block");
	for number in first..=best {
		let longest = longest_extrinsic(&node, number);
		assert!(longest < 64 * 1024, "block {number} carries a {longest}-byte extrinsic");
	}
}
