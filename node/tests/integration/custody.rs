//! What a custodian holds survives a stolen key (../shared/AUDIT.md finding
//! 5), on real nodes: a thief with a hospital's account key retires its
//! records, and every body is still there, still served, and restored by
//! the patient and by a vote of the members; only once the governed grace
//! has passed does the custodian's node delete a retired body.

use crate::node_services::{read_all, request_of, upload, CHAIN_TIMEOUT};
use ehr_primitives::{AuditAction, AuditEntry, NewRecord, Record, RecordId, RequestStatus, Scope, MAX_CREATE_RECORDS};
use ehr_runtime::{AccountId, BlockNumber, EhrCall, EhrError, Runtime, RuntimeCall};
use ehr_test_utils::{
	chain::Chain,
	council::Council,
	ehr::{bytes, grant, register_patient, register_provider, sealed_kfrags},
	local_network_with, Node,
};
use jsonrpsee::rpc_params;
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::time::Duration;
use umbral_pre::{SecretKey, Signer};

fn step(text: &str) {
	eprintln!("[custody] {text}");
}

/// Records the thief retires: one retirement window's worth, then one more.
const RETIRED: usize = 100;

type Records = Vec<(RecordId, Record<AccountId, BlockNumber>)>;

fn records_of(chain: &Chain, patient: &AccountId) -> Result<Records, String> {
	chain.call("EhrApi_records_of_patient", (patient.clone(), 0u32, 256u32))
}

fn blob_count(node: &Node) -> Result<u64, String> {
	node.rpc("ehr_status", rpc_params![]).map(|s| s["blobCount"].as_u64().unwrap_or(u64::MAX))
}

fn audit_actions(chain: &Chain, patient: &AccountId, action: AuditAction) -> Vec<AccountId> {
	let log: Vec<AuditEntry<AccountId, BlockNumber>> =
		chain.call("EhrApi_audit_log", (patient.clone(), 0u32, 256u32)).expect("the audit log");
	let more: Vec<AuditEntry<AccountId, BlockNumber>> =
		chain.call("EhrApi_audit_log", (patient.clone(), 1u32, 256u32)).expect("the audit log's second page");
	log.into_iter().chain(more).filter(|e| e.action == action).map(|e| e.actor).collect()
}

/// The record bodies: small, distinct.
fn body_of(i: usize) -> Vec<u8> {
	format!("encrypted body {i:04} ").into_bytes().repeat(16)
}

#[test]
fn a_stolen_hospital_key_retires_records_but_destroys_no_body() {
	let mut net = local_network_with(&["--ehr-upkeep-interval-secs".into(), "2".into()]);
	net.alice.wait_for(CHAIN_TIMEOUT, "blocks to be produced", |n| Ok(n.best_number()? >= 2));
	let chain = Chain::connect(&net.alice);
	let genesis = chain.genesis();
	let alice = Sr25519Keyring::Alice.pair();

	step("three proxies; Alice onboards a patient, Bob a clinician");
	let proxies = net.proxies_of_a_b_and_c(&chain);
	let patient = sr25519::Pair::from_string("//CustodyPatient", None).expect("dev seed");
	let clinician = sr25519::Pair::from_string("//CustodyClinician", None).expect("dev seed");
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	let patient_id: AccountId = patient.public().into();
	let clinician_id: AccountId = clinician.public().into();
	register_patient(&chain, &alice, &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &Sr25519Keyring::Bob.pair(), &clinician, &clinician_sk);
	chain.wait(CHAIN_TIMEOUT, "the patient on chain", |c| {
		let info: Option<ehr_primitives::PatientInfo<AccountId>> = c.call("EhrApi_patient", patient_id.clone())?;
		Ok(info.map(|_| ()))
	});

	step("Alice stores 101 bodies and creates their records in batches");
	let bodies: Vec<Vec<u8>> = (0..=RETIRED).map(body_of).collect();
	let new_records: Vec<NewRecord<AccountId>> = bodies
		.iter()
		.map(|data| {
			let hash = upload(&net.alice, data);
			let (capsule, envelope) =
				umbral_pre::encrypt(&patient_sk.public_key(), b"envelope with the body key").expect("encrypts");
			NewRecord {
				patient: patient_id.clone(),
				capsule: bytes(ehr_primitives::umbral_codec::encode(&capsule).expect("a capsule encodes")),
				encrypted_metadata: bytes(envelope.to_vec()),
				body_hash: hash,
				body_size: data.len() as u64,
				source: None,
			}
		})
		.collect();
	for batch in new_records.chunks(MAX_CREATE_RECORDS as usize) {
		chain
			.submit(&alice, EhrCall::create_records { records: batch.to_vec().try_into().expect("a batch") })
			.expect("create_records is accepted");
	}
	let records = chain.wait(CHAIN_TIMEOUT, "the 101 records", |c| {
		let records = records_of(c, &patient_id)?;
		Ok((records.len() == bodies.len()).then_some(records))
	});
	let ids: Vec<RecordId> = records.iter().map(|(id, _)| *id).collect();
	let body_of_id = |id: RecordId| &bodies[ids.iter().position(|i| *i == id).expect("a record of the test")];
	assert_eq!(blob_count(&net.alice), Ok(bodies.len() as u64));

	step("the patient shares everything with the clinician; two requests become ready");
	let sealed = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 2, &proxies, None);
	let grant_id = grant(&chain, &patient, clinician_id.clone(), Scope::AllRecords, 2, sealed);
	for record in &ids[..2] {
		chain.submit(&clinician, EhrCall::request_access { grant: grant_id, record: *record }).expect("request");
	}
	let ready: Vec<u64> = chain.wait(CHAIN_TIMEOUT, "both requests ready", |c| {
		let ready: Vec<u64> = (0..2)
			.filter(|id| request_of(c, *id).ok().flatten().is_some_and(|r| r.status == RequestStatus::Ready))
			.collect();
		Ok((ready.len() == 2).then_some(ready))
	});

	step("a thief with Alice's hospital key retires 101 records at once: 100 are retired, the 101st is refused");
	let account: AccountId = alice.public().into();
	let nonce = net
		.alice
		.rpc("system_accountNextIndex", rpc_params![sp_core::crypto::Ss58Codec::to_ss58check(&account)])
		.expect("the next nonce")
		.as_u64()
		.expect("a nonce") as u32;
	for (i, id) in ids.iter().enumerate() {
		chain
			.submit_with_nonce(&alice, RuntimeCall::Ehr(EhrCall::retire_record { record: *id }), nonce + i as u32)
			.expect("the pool takes the retirement");
	}
	chain.wait_for_failure(CHAIN_TIMEOUT, EhrError::<Runtime>::TooManyRetirements);
	let retired_at = chain.wait(CHAIN_TIMEOUT, "100 retirements on chain", |c| {
		let records = records_of(c, &patient_id)?;
		let retired: Vec<BlockNumber> = records.iter().filter_map(|(_, r)| r.retired_at).collect();
		Ok((retired.len() == RETIRED).then(|| retired.into_iter().max().unwrap_or_default()))
	});
	let untouched = records_of(&chain, &patient_id).expect("records");
	let spared: Vec<RecordId> = untouched.iter().filter(|(_, r)| r.retired_at.is_none()).map(|(id, _)| *id).collect();
	assert_eq!(spared.len(), 1, "one record was beyond the thief's window");
	assert_eq!(
		audit_actions(&chain, &patient_id, AuditAction::RecordRetired).len(),
		RETIRED,
		"each on the patient's log"
	);

	step("once final, and after several upkeep passes, every body is still in Alice's store");
	chain.wait(CHAIN_TIMEOUT, "the retirements to be final", |_| {
		Ok((net.alice.finalized_number()? >= u64::from(retired_at)).then_some(()))
	});
	std::thread::sleep(Duration::from_secs(8));
	assert_eq!(blob_count(&net.alice), Ok(bodies.len() as u64), "no body was deleted");

	step("the grantee's ready requests are still served; the patient still reads the retired records");
	for request in &ready {
		let record = request_of(&chain, *request).expect("request").expect("exists").record;
		assert_eq!(&read_all(&net.alice, genesis, &clinician, Some(*request), None), body_of_id(record));
	}
	for id in ids.iter().filter(|id| !spared.contains(id)).take(5) {
		assert_eq!(&read_all(&net.alice, genesis, &patient, None, Some(*id)), body_of_id(*id));
	}
	step("a new request on a retired record is refused");
	let retired_id = *ids.iter().find(|id| !spared.contains(id)).expect("a retired record");
	chain.submit(&clinician, EhrCall::request_access { grant: grant_id, record: retired_id }).expect("submitted");
	chain.wait_for_failure(CHAIN_TIMEOUT, EhrError::<Runtime>::RecordIsRetired);

	step("the patient restores 60 records; the members vote to restore the other 40");
	let retired_ids: Vec<RecordId> = ids.iter().copied().filter(|id| !spared.contains(id)).collect();
	chain
		.submit(&patient, EhrCall::restore_records { records: retired_ids[..60].to_vec().try_into().expect("bounded") })
		.expect("the patient's restore is accepted");
	let council = Council { chain: &chain };
	let restore =
		RuntimeCall::Ehr(EhrCall::restore_records { records: retired_ids[60..].to_vec().try_into().expect("bounded") });
	council.decide(restore, 3, Sr25519Keyring::Bob, &[Sr25519Keyring::Charlie, Sr25519Keyring::Dave]);
	chain.wait(CHAIN_TIMEOUT, "every record in use again", |c| {
		Ok(records_of(c, &patient_id)?.iter().all(|(_, r)| r.retired_at.is_none()).then_some(()))
	});
	let restorers = audit_actions(&chain, &patient_id, AuditAction::RecordRestored);
	let consortium = AccountId::new(ehr_primitives::CONSORTIUM_ACCOUNT);
	assert_eq!(restorers.iter().filter(|a| **a == patient_id).count(), 60);
	assert_eq!(
		restorers.iter().filter(|a| **a == consortium).count(),
		40,
		"the vote is on the log as the consortium's"
	);

	step("a restored record is shared again: a new request becomes ready and is served");
	let next = chain.wait(CHAIN_TIMEOUT, "the next request id", |c| {
		Ok(Some((0u64..).find(|id| request_of(c, *id).ok().flatten().is_none()).unwrap_or(0)))
	});
	let again = retired_ids[70];
	chain.submit(&clinician, EhrCall::request_access { grant: grant_id, record: again }).expect("request");
	chain.wait(CHAIN_TIMEOUT, "the new request ready", |c| {
		Ok(request_of(c, next)?.filter(|r| r.status == RequestStatus::Ready && r.record == again).map(|_| ()))
	});
	assert_eq!(&read_all(&net.alice, genesis, &clinician, Some(next), None), body_of_id(again));

	step("the members shorten the grace to 20 blocks; a record the patient retires then loses its body after it");
	let shorter = ehr_primitives::EhrParameters {
		reading_window: 30 * ehr_runtime::MINUTES,
		retention: 30 * ehr_runtime::DAYS,
		retirement_grace: 20,
	};
	council.decide(
		RuntimeCall::Ehr(EhrCall::set_parameters { parameters: shorter }),
		3,
		Sr25519Keyring::Bob,
		&[Sr25519Keyring::Charlie, Sr25519Keyring::Dave],
	);
	let gone = spared[0];
	chain.submit(&patient, EhrCall::retire_record { record: gone }).expect("the patient retires one");
	let gone_at = chain.wait(CHAIN_TIMEOUT, "the retirement on chain", |c| {
		let found: Option<Record<AccountId, BlockNumber>> = c.call("EhrApi_record", gone)?;
		Ok(found.and_then(|r| r.retired_at))
	});
	let deadline = u64::from(gone_at) + 20;
	// Until the grace has passed at the finalized block, the body stays
	// (finality is read first: it only grows while the count is read).
	loop {
		let finalized = net.alice.finalized_number().expect("finalized");
		if finalized + 3 >= deadline {
			break;
		}
		assert_eq!(blob_count(&net.alice), Ok(bodies.len() as u64), "kept within the grace (finalized {finalized})");
		std::thread::sleep(Duration::from_secs(1));
	}
	chain.wait(Duration::from_secs(180), "the body deleted after the grace", |_| {
		Ok((blob_count(&net.alice)? == bodies.len() as u64 - 1).then_some(()))
	});
	assert!(net.alice.finalized_number().expect("finalized") >= deadline, "deleted no sooner than the grace allows");
	step("past the grace, the record can no longer be restored");
	chain.submit(&patient, EhrCall::restore_records { records: vec![gone].try_into().expect("one") }).expect("sent");
	chain.wait_for_failure(CHAIN_TIMEOUT, EhrError::<Runtime>::GracePeriodOver);
}
