//! One hospital's sybils cannot take the chain's request slots or its
//! proxies' work (../shared/AUDIT.md finding 3), on real nodes: member Dave
//! registers 64 clinicians and 4 patients of its own, the patients grant
//! the clinicians with kfrags that open at no proxy, and every clinician
//! requests in every block. An honest clinician's request still becomes
//! readable within 3 blocks, no block opens more than Dave's share of
//! requests for Dave's people, and each proxy tries each sybil grant once.
//! A member listing another hospital's node account without that
//! account's consent is refused too (finding 2, attack A).

use crate::node_services::{request_of, CHAIN_TIMEOUT};
use ehr_primitives::{GrantProxy, ProxyAccountConsent, ProxyNodeAccount, Purpose, RequestId, Scope};
use ehr_runtime::{AccountId, BlockNumber, EhrCall, EhrError};
use ehr_test_utils::{
	chain::Chain,
	ehr::{bytes, create_record, grant, register_patient, register_provider, sealed_kfrags},
	local_network, Node,
};
use jsonrpsee::rpc_params;
use sp_core::{sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie, Dave};
use std::collections::BTreeMap;
use umbral_pre::{SecretKey, Signer};

fn step(text: &str) {
	eprintln!("[request_flood] {text}");
}

/// Dave's sybil clinicians, and the patients whose grants they hold.
const SYBILS: usize = 64;
const SYBIL_PATIENTS: usize = 4;
/// Blocks the sybils flood for.
const FLOOD_BLOCKS: BlockNumber = 8;
/// The runtime's `MaxRequestsPerHospitalPerBlock`.
const HOSPITAL_SHARE: usize = 16;

fn cfrags_failed(node: &Node) -> u64 {
	node.rpc("ehr_status", rpc_params![]).ok().and_then(|s| s["cfragsFailed"].as_u64()).unwrap_or(u64::MAX)
}

#[test]
fn one_hospitals_sybils_cannot_crowd_out_an_honest_request_or_squat_a_node() {
	let mut net = local_network();
	net.alice.wait_for(CHAIN_TIMEOUT, "blocks to be produced", |n| Ok(n.best_number()? >= 2));
	let chain = Chain::connect(&net.alice);
	let proxies = net.proxies_of_a_b_and_c(&chain);
	let dave = Dave.pair();

	step("Charlie lists a fresh node account of Bob's without its consent: refused");
	let fresh = sr25519::Pair::from_string("//BobsNewNode", None).expect("dev seed");
	let fresh_id: AccountId = fresh.public().into();
	let key = bytes(ehr_primitives::umbral_codec::encode(&SecretKey::random().public_key()).expect("encodes"));
	let squat = |consent| EhrCall::register_proxy {
		accounts: vec![ProxyNodeAccount { account: fresh_id.clone(), consent }].try_into().expect("one"),
		public_key: key.clone(),
	};
	chain.submit(&Charlie.pair(), squat(None)).expect("the pool takes it; the chain refuses it");
	chain.wait_for_failure(CHAIN_TIMEOUT, EhrError::<ehr_runtime::Runtime>::InvalidProxyAccountConsent);
	let for_bob =
		ProxyAccountConsent { genesis_hash: chain.genesis(), hospital: Bob.to_account_id(), account: fresh_id.clone() };
	let replayed = Some(sp_runtime::MultiSignature::Sr25519(fresh.sign(&for_bob.signing_payload())));
	chain.submit(&Charlie.pair(), squat(replayed)).expect("the pool takes it; the chain refuses it");
	chain.wait_for_failure(CHAIN_TIMEOUT, EhrError::<ehr_runtime::Runtime>::InvalidProxyAccountConsent);
	let listed: Vec<(AccountId, ehr_primitives::ProxyInfo<AccountId>)> =
		chain.call("EhrApi_proxies", ()).expect("the proxies");
	assert!(listed.iter().all(|(_, proxy)| !proxy.accounts.contains(&fresh_id)), "nobody lists Bob's new node");

	step("Dave registers 64 clinicians and 4 patients of its own, each patient with a record");
	let sybil_key = SecretKey::random();
	let sybils: Vec<sr25519::Pair> =
		(0..SYBILS).map(|i| sr25519::Pair::from_string(&format!("//Sybil{i}"), None).expect("dev seed")).collect();
	for sybil in &sybils {
		register_provider(&chain, &dave, sybil, &sybil_key);
	}
	let patients: Vec<(sr25519::Pair, SecretKey, Signer)> = (0..SYBIL_PATIENTS)
		.map(|j| {
			let pair = sr25519::Pair::from_string(&format!("//SybilPatient{j}"), None).expect("dev seed");
			let (secret, signer) = (SecretKey::random(), Signer::new(SecretKey::random()));
			register_patient(&chain, &dave, &pair, &secret, &signer);
			(pair, secret, signer)
		})
		.collect();
	chain.wait(CHAIN_TIMEOUT, "Dave's people on chain", |c| {
		let last: Option<ehr_primitives::ProviderInfo<AccountId>> =
			c.call("EhrApi_provider", AccountId::from(sybils[SYBILS - 1].public()))?;
		let patient: Option<ehr_primitives::PatientInfo<AccountId>> =
			c.call("EhrApi_patient", AccountId::from(patients[SYBIL_PATIENTS - 1].0.public()))?;
		Ok((last.is_some() && patient.is_some()).then_some(()))
	});
	let records: Vec<_> = patients
		.iter()
		.enumerate()
		.map(|(j, (pair, secret, _))| {
			let patient: AccountId = pair.public().into();
			create_record(&chain, &dave, &patient, &secret.public_key(), H256::repeat_byte(0x50 + j as u8), 1024)
		})
		.collect();

	step("each of Dave's patients grants 16 of its clinicians, with kfrags sealed to no proxy's key");
	let not_the_proxies: Vec<_> =
		proxies.iter().map(|(hospital, _)| (hospital.clone(), SecretKey::random().public_key())).collect();
	let mut sybil_grants: Vec<(AccountId, u64, u64)> = Vec::new();
	for (i, sybil) in sybils.iter().enumerate() {
		let (patient, secret, signer) = &patients[i % SYBIL_PATIENTS];
		let garbage = sealed_kfrags(secret, signer, &sybil_key.public_key(), 1, &not_the_proxies, None);
		chain
			.submit(
				patient,
				EhrCall::grant {
					grantee: sybil.public().into(),
					scope: Scope::AllRecords,
					threshold: 1,
					proxies: garbage.try_into().expect("three proxies"),
					expires_at: None,
					purpose: Purpose::Treatment,
				},
			)
			.expect("a sybil grant is accepted");
	}
	for (j, (patient, _, _)) in patients.iter().enumerate() {
		type Grants = Vec<(u64, ehr_primitives::Grant<AccountId, BlockNumber>)>;
		let patient_id: AccountId = patient.public().into();
		let grants: Grants = chain.wait(CHAIN_TIMEOUT, "the sybil grants", |c| {
			let grants: Grants = c.grants_of_patient(&patient_id)?;
			Ok((grants.len() == SYBILS / SYBIL_PATIENTS).then_some(grants))
		});
		for (id, g) in grants {
			sybil_grants.push((g.grantee, id, records[j]));
		}
	}

	step("Alice's patient grants Bob's clinician, 2 of Alice, Bob and Charlie");
	let patient = sr25519::Pair::from_string("//FloodedPatient", None).expect("dev seed");
	let clinician = sr25519::Pair::from_string("//HonestClinician", None).expect("dev seed");
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	let patient_id: AccountId = patient.public().into();
	let clinician_id: AccountId = clinician.public().into();
	register_patient(&chain, &Alice.pair(), &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &Bob.pair(), &clinician, &clinician_sk);
	chain.wait(CHAIN_TIMEOUT, "the honest patient on chain", |c| {
		let info: Option<ehr_primitives::PatientInfo<AccountId>> = c.call("EhrApi_patient", patient_id.clone())?;
		Ok(info.map(|_| ()))
	});
	let record =
		create_record(&chain, &Alice.pair(), &patient_id, &patient_sk.public_key(), H256::repeat_byte(0x77), 1024);
	let kfrags: Vec<GrantProxy<AccountId>> =
		sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 2, &proxies, None);
	let honest_grant = grant(&chain, &patient, clinician_id.clone(), Scope::AllRecords, 2, kfrags);
	let next_request =
		|c: &Chain| -> RequestId { c.storage::<RequestId>("Ehr", "NextRequestId", &[]).ok().flatten().unwrap_or(0) };
	let first_flood_request = next_request(&chain);

	step("the sybils request in every block for 8 blocks; the honest clinician requests in the fourth");
	let grant_of: BTreeMap<AccountId, (u64, u64)> =
		sybil_grants.into_iter().map(|(grantee, grant_id, record_id)| (grantee, (grant_id, record_id))).collect();
	let start = net.alice.best_number().expect("best block") as BlockNumber;
	let (mut block, mut scanned) = (start, first_flood_request);
	let mut honest_sent_at = None;
	let mut honest: Option<(RequestId, BlockNumber)> = None;
	let mut ready_at = None;
	while block < start + FLOOD_BLOCKS || (ready_at.is_none() && block < start + FLOOD_BLOCKS + 10) {
		if block < start + FLOOD_BLOCKS {
			for sybil in &sybils {
				let (grant_id, record_id) = grant_of[&AccountId::from(sybil.public())];
				// A sybil refused by the pool (at its window) is part of the attack's cost, not an error here.
				let _ = chain.submit(sybil, EhrCall::request_access { grant: grant_id, record: record_id });
			}
		}
		if block >= start + 3 && honest_sent_at.is_none() {
			chain.submit(&clinician, EhrCall::request_access { grant: honest_grant, record }).expect("request");
			honest_sent_at = Some(block);
		}
		let after = block + 1;
		chain.wait(CHAIN_TIMEOUT, "the next block", |_| {
			Ok((net.alice.best_number()? as BlockNumber >= after).then_some(()))
		});
		block = net.alice.best_number().expect("best block") as BlockNumber;
		if honest.is_none() {
			let next = next_request(&chain);
			for id in scanned..next {
				if let Some(request) = request_of(&chain, id).expect("a request") {
					if request.grantee == clinician_id {
						honest = Some((id, request.opened_at));
					}
				}
			}
			scanned = next;
		}
		if let (Some((id, _)), None) = (honest, ready_at) {
			let request = request_of(&chain, id).expect("the honest request").expect("it exists");
			if request.status == ehr_primitives::RequestStatus::Ready {
				ready_at = Some(block);
			}
		}
	}
	let honest_sent_at = honest_sent_at.expect("the honest request was sent");
	let (_, opened_at) = honest.expect("the honest request was opened during the flood");

	step("the honest request got a slot at once and became readable within 3 blocks");
	assert!(
		opened_at <= honest_sent_at + 2,
		"the honest request waited for a slot: sent at {honest_sent_at}, opened at {opened_at}"
	);
	let ready_at = ready_at.expect("the honest request became ready");
	eprintln!(
		"[request_flood] honest request: sent at block {honest_sent_at}, opened in {opened_at}, ready by {ready_at}"
	);
	// Seen at the best block after each block, so this is an upper bound.
	assert!(ready_at <= opened_at + 3, "opened at {opened_at}, ready by {ready_at}");

	let mut opened_by_dave: BTreeMap<BlockNumber, usize> = BTreeMap::new();
	for id in first_flood_request..next_request(&chain) {
		let Some(request) = request_of(&chain, id).expect("a request") else { continue };
		if grant_of.contains_key(&request.grantee) {
			*opened_by_dave.entry(request.opened_at).or_default() += 1;
		}
	}
	step("no block opened more than Dave's share of requests for Dave's people");
	eprintln!("[request_flood] requests opened for Dave's people, by block: {opened_by_dave:?}");
	assert!(opened_by_dave.values().all(|&n| n <= HOSPITAL_SHARE), "{opened_by_dave:?}");
	assert!(opened_by_dave.values().any(|&n| n == HOSPITAL_SHARE), "the flood filled Dave's share: {opened_by_dave:?}");

	step("each proxy tried each sybil grant at most once");
	for node in [&net.alice, &net.bob, &net.charlie] {
		let failed = cfrags_failed(node);
		eprintln!("[request_flood] {}: {failed} failed re-encryptions", node.name());
		assert!(failed <= SYBILS as u64, "{} retried unservable grants: {failed} failures", node.name());
	}
}
