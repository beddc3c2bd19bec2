//! The node's own transactions survive a finality stall (custody-safety
//! item 4, ../shared/AUDIT.md finding 9): with two of four hospitals down,
//! GRANDPA stops while the other two go on authoring. Once the best block
//! is more than a transaction's lifetime (64 blocks) past the finalized
//! one, a transaction anchored to the finalized block could not be valid;
//! the nodes anchor theirs to a recent best block instead, so a request
//! opened then still gets its cfrags, becomes ready and is served, with no
//! manual step.

use crate::node_services::{read_all, request_of, upload, CHAIN_TIMEOUT};
use ehr_primitives::{RequestStatus, Scope, TX_MORTALITY_BLOCKS};
use ehr_runtime::{AccountId, EhrCall};
use ehr_test_utils::{
	chain::Chain,
	ehr::{create_record, grant, register_patient, register_provider, sealed_kfrags},
	local_network,
};
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;
use umbral_pre::{SecretKey, Signer};

fn step(text: &str) {
	eprintln!("[stall] {text}");
}

/// How long two authors of four take for the stall's blocks (a block each
/// 6 s on average, and some slack).
const STALL_TIMEOUT: Duration = Duration::from_secs(900);

#[test]
fn a_request_opened_during_a_finality_stall_is_re_encrypted_and_served() {
	let mut net = local_network();
	net.alice.wait_for(CHAIN_TIMEOUT, "blocks to be produced", |n| Ok(n.best_number()? >= 2));
	let chain = Chain::connect(&net.alice);
	let genesis = chain.genesis();

	step("proxies of A, B and C; a patient at A, a clinician at B, one record at A, shared 2 of A and B");
	let proxies = net.proxies_of_a_b_and_c(&chain);
	let patient = sr25519::Pair::from_string("//StallPatient", None).expect("dev seed");
	let clinician = sr25519::Pair::from_string("//StallClinician", None).expect("dev seed");
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	let patient_id: AccountId = patient.public().into();
	let clinician_id: AccountId = clinician.public().into();
	register_patient(&chain, &Sr25519Keyring::Alice.pair(), &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &Sr25519Keyring::Bob.pair(), &clinician, &clinician_sk);
	chain.wait(CHAIN_TIMEOUT, "the patient on chain", |c| {
		let info: Option<ehr_primitives::PatientInfo<AccountId>> = c.call("EhrApi_patient", patient_id.clone())?;
		Ok(info.map(|_| ()))
	});
	let body = b"a body read during a finality stall".repeat(8);
	let hash = upload(&net.alice, &body);
	let alice = Sr25519Keyring::Alice.pair();
	let record = create_record(&chain, &alice, &patient_id, &patient_sk.public_key(), hash, body.len() as u64);
	let sealed = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 2, &proxies[..2], None);
	let grant_id = grant(&chain, &patient, clinician_id, Scope::AllRecords, 2, sealed);

	step("Charlie and Dave stop: finality stalls while Alice and Bob author");
	net.charlie.kill();
	net.dave.kill();
	std::thread::sleep(Duration::from_secs(10));
	let stalled = net.alice.finalized_number().expect("finalized");
	let past = stalled + u64::from(TX_MORTALITY_BLOCKS) + 6;
	chain.wait(STALL_TIMEOUT, "the best block past a transaction's lifetime", |_| {
		Ok((net.alice.best_number()? >= past).then_some(()))
	});
	assert_eq!(net.alice.finalized_number(), Ok(stalled), "finality stalled");

	step("the clinician requests the record: A's and B's proxies deliver, the request is ready and served");
	let next = (0u64..).find(|id| request_of(&chain, *id).ok().flatten().is_none()).unwrap_or(0);
	chain.submit(&clinician, EhrCall::request_access { grant: grant_id, record }).expect("request");
	chain.wait(CHAIN_TIMEOUT, "the request ready during the stall", |c| {
		Ok(request_of(c, next)?.filter(|r| r.status == RequestStatus::Ready).map(|_| ()))
	});
	assert_eq!(read_all(&net.alice, genesis, &clinician, Some(next), None), body);
	chain.wait(CHAIN_TIMEOUT, "the fetch confirmation on chain", |c| {
		Ok(request_of(c, next)?.filter(|r| r.fetches >= 1).map(|_| ()))
	});
	assert_eq!(net.alice.finalized_number(), Ok(stalled), "all of it while finality stalled");

	step("Charlie comes back: finality resumes past the stall");
	net.charlie.restart();
	chain.wait(STALL_TIMEOUT, "finality past the stall", |_| Ok((net.alice.finalized_number()? >= past).then_some(())));
}
