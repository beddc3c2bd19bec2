//! The hospital node's services on real nodes: the blob store behind
//! `ehr_putBlob` / `ehr_getBlob` (on the node's disk or in an S3-compatible
//! object store), its authorization, the proxy worker that delivers cfrags,
//! and crash safety of uploads.

use ehr_node_services::blob_store::BlobStore;
use ehr_primitives::{
	access::blob_read_message, AccessRequest, AuditAction, AuditEntry, Grant, PatientInfo, ProxyInfo, Purpose, Record,
	RequestStatus, Scope,
};
use ehr_runtime::{AccountId, BlockNumber, EhrCall};
use ehr_test_utils::{
	chain::Chain,
	ehr::{create_record, grant, own_proxy, register_patient, register_provider, sealed_kfrags},
	local_network_with,
	s3::S3Server,
	Node,
};
use jsonrpsee::rpc_params;
use serde_json::{json, Value};
use sp_core::{crypto::Ss58Codec, sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring;
use std::{
	process::Command,
	sync::{Arc, Mutex},
	thread,
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};
use umbral_pre::{SecretKey, Signer};

pub(crate) const CHAIN_TIMEOUT: Duration = Duration::from_secs(90);
const CHUNK: usize = 1 << 20;

pub(crate) fn step(text: &str) {
	eprintln!("[node_services] {text}");
}

pub(crate) fn body(len: usize, seed: u8) -> Vec<u8> {
	(0..len).map(|i| (((i as u64 * 2_654_435_761) >> 7) as u8).wrapping_add(seed)).collect()
}

pub(crate) fn hex0x(data: &[u8]) -> String {
	format!("0x{}", hex::encode(data))
}

pub(crate) fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_millis() as u64
}

/// Uploads `data` to `node` in 1 MiB chunks; returns the body hash.
pub(crate) fn upload(node: &Node, data: &[u8]) -> H256 {
	let hash = H256::from(sp_crypto_hashing::blake2_256(data));
	let mut offset = 0usize;
	loop {
		let end = (offset + CHUNK).min(data.len());
		let reply = node
			.rpc("ehr_putBlob", rpc_params![hash, data.len() as u64, offset as u64, hex0x(&data[offset..end])])
			.expect("ehr_putBlob accepts the chunk");
		offset = end;
		if reply["complete"].as_bool() == Some(true) {
			assert_eq!(offset, data.len(), "complete only after the last chunk");
			return hash;
		}
	}
}

/// A signed `ehr_getBlob` read, for the nodes of hospital Alice (the
/// custodian of every record in these tests).
pub(crate) fn read_params(
	genesis: H256,
	signer: &sr25519::Pair,
	request: Option<u64>,
	record: Option<u64>,
	offset: u64,
	length: u32,
	timestamp_ms: u64,
) -> Value {
	let custodian: AccountId = Sr25519Keyring::Alice.to_account_id();
	let message = blob_read_message(genesis, &custodian, request, record, offset, length, timestamp_ms);
	let account: AccountId = signer.public().into();
	json!({
		"custodian": custodian.to_ss58check(),
		"request": request,
		"record": record,
		"offset": offset,
		"length": length,
		"signer": account.to_ss58check(),
		"timestampMs": timestamp_ms,
		"signature": hex0x(&signer.sign(&message).0),
	})
}

pub(crate) fn get(node: &Node, params: Value) -> Result<Value, String> {
	node.rpc("ehr_getBlob", rpc_params![params])
}

/// Reads a whole body through `ehr_getBlob`, chunk by chunk.
pub(crate) fn read_all(
	node: &Node,
	genesis: H256,
	signer: &sr25519::Pair,
	request: Option<u64>,
	record: Option<u64>,
) -> Vec<u8> {
	read_up_to(node, genesis, signer, request, record, usize::MAX)
}

/// Reads the first `limit` bytes of a body (or all of it, if shorter)
/// through `ehr_getBlob`, chunk by chunk.
pub(crate) fn read_up_to(
	node: &Node,
	genesis: H256,
	signer: &sr25519::Pair,
	request: Option<u64>,
	record: Option<u64>,
	limit: usize,
) -> Vec<u8> {
	let mut out = Vec::new();
	loop {
		let length = CHUNK.min(limit.saturating_sub(out.len())) as u32;
		if length == 0 {
			return out;
		}
		let reply = get(node, read_params(genesis, signer, request, record, out.len() as u64, length, now_ms()))
			.expect("ehr_getBlob serves the authorized reader");
		let data = hex::decode(reply["data"].as_str().expect("data").trim_start_matches("0x")).expect("hex data");
		let total = reply["totalSize"].as_u64().expect("totalSize") as usize;
		out.extend_from_slice(&data);
		if out.len() >= total || data.is_empty() {
			return out;
		}
	}
}

pub(crate) fn expect_code(result: Result<Value, String>, code: i32, what: &str) {
	match result {
		Ok(value) => panic!("{what}: expected error {code}, got {value}"),
		Err(error) => assert!(error.contains(&code.to_string()), "{what}: expected error {code}, got {error}"),
	}
}

pub(crate) type RequestOf = AccessRequest<AccountId, BlockNumber>;

pub(crate) fn request_of(chain: &Chain, id: u64) -> Result<Option<RequestOf>, String> {
	chain.call::<Option<RequestOf>>("EhrApi_request", id)
}

/// Proxies on three hospitals deliver cfrags; the custodian serves the body
/// only to the right reader; a restarted proxy does not resubmit.
#[test]
fn proxies_deliver_and_the_custodian_serves_only_authorized_readers() {
	let mut net = local_network_with(&["--ehr-upkeep-interval-secs".into(), "2".into()]);
	net.alice.wait_for(CHAIN_TIMEOUT, "blocks to be produced", |n| Ok(n.best_number()? >= 2));
	let chain = Chain::connect(&net.alice);
	let genesis = chain.genesis();

	step("the three proxy hospitals register their proxy accounts and keys");
	let proxies = net.proxies_of_a_b_and_c(&chain);

	step("Alice onboards a patient; Bob onboards a clinician");
	let patient = sr25519::Pair::from_string("//Patient", None).expect("dev seed");
	let clinician = sr25519::Pair::from_string("//Clinician", None).expect("dev seed");
	let stranger = sr25519::Pair::from_string("//Stranger", None).expect("dev seed");
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	let patient_id: AccountId = patient.public().into();
	let clinician_id: AccountId = clinician.public().into();
	register_patient(&chain, &Sr25519Keyring::Alice.pair(), &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &Sr25519Keyring::Bob.pair(), &clinician, &clinician_sk);
	chain.wait(CHAIN_TIMEOUT, "proxies, patient and clinician on chain", |c| {
		let proxies: Vec<(AccountId, ProxyInfo<AccountId>)> = c.call("EhrApi_proxies", ())?;
		let patient: Option<PatientInfo<AccountId>> = c.call("EhrApi_patient", patient_id.clone())?;
		Ok((proxies.len() >= 3 && patient.is_some()).then_some(()))
	});

	step("Alice stores a 2.5 MiB and a 1 KiB body and creates their records");
	let large = body(5 * CHUNK / 2, 1);
	let small = body(1024, 2);
	let mut record_ids = Vec::new();
	for data in [&large, &small] {
		let hash = upload(&net.alice, data);
		let alice = Sr25519Keyring::Alice.pair();
		record_ids.push(create_record(&chain, &alice, &patient_id, &patient_sk.public_key(), hash, data.len() as u64));
	}
	let (large_id, small_id) = (record_ids[0], record_ids[1]);

	step("the patient grants the clinician the large record, 2 of 3 proxies");
	let grant_proxies = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 2, &proxies, None);
	chain
		.submit(
			&patient,
			EhrCall::grant {
				grantee: clinician_id.clone(),
				scope: Scope::Records(vec![large_id].try_into().unwrap()),
				threshold: 2,
				proxies: grant_proxies.try_into().unwrap(),
				expires_at: None,
				purpose: Purpose::Treatment,
			},
		)
		.expect("grant");
	let grant_id = chain.wait(CHAIN_TIMEOUT, "the grant", |c| {
		let grants: Vec<(u64, Grant<AccountId, BlockNumber>)> = c.grants_of_patient(&patient_id)?;
		Ok(grants.first().map(|(id, _)| *id))
	});
	chain.submit(&clinician, EhrCall::request_access { grant: grant_id, record: large_id }).expect("request_access");

	step("the proxies deliver verified cfrags until the request is ready");
	let ready = chain.wait(CHAIN_TIMEOUT, "the request to become ready", |c| {
		Ok(request_of(c, 0)?.filter(|r| r.status == RequestStatus::Ready))
	});
	assert!(ready.cfrags.len() >= 2, "threshold 2 reached");
	let hospitals: std::collections::BTreeSet<_> = ready.cfrags.iter().map(|c| c.hospital.clone()).collect();
	assert_eq!(hospitals.len(), ready.cfrags.len(), "one cfrag per hospital");

	step("the clinician reads all but the last 16 bytes: the read is on the audit trail all the same");
	let prefix = read_up_to(&net.alice, genesis, &clinician, Some(0), None, large.len() - 16);
	assert_eq!(prefix[..], large[..large.len() - 16]);
	chain.wait(CHAIN_TIMEOUT, "the custodian's fetch confirmation on chain", |c| {
		Ok(request_of(c, 0)?.filter(|r| r.fetches >= 1).map(|_| ()))
	});
	step("the clinician fetches a byte-identical body, chunk by chunk");
	assert_eq!(read_all(&net.alice, genesis, &clinician, Some(0), None), large, "large body round-trips");
	step("the patient reads their own small record directly");
	assert_eq!(read_all(&net.alice, genesis, &patient, None, Some(small_id)), small, "small body round-trips");
	chain.wait(CHAIN_TIMEOUT, "the patient's own read on their audit log", |c| {
		let log: Vec<AuditEntry<AccountId, BlockNumber>> =
			c.call("EhrApi_audit_log", (patient_id.clone(), 0u32, 100u32))?;
		Ok(log.iter().find(|e| e.action == AuditAction::PatientRead && e.record == Some(small_id)).map(|_| ()))
	});

	step("unauthorized reads are refused, each with its code");
	expect_code(get(&net.alice, read_params(genesis, &stranger, Some(0), None, 0, 10, now_ms())), 1015, "non-grantee");
	let mut forged = read_params(genesis, &stranger, Some(0), None, 0, 10, now_ms());
	forged["signer"] = json!(clinician_id.to_ss58check());
	expect_code(get(&net.alice, forged), 1012, "wrong signature");
	let once = read_params(genesis, &clinician, Some(0), None, 0, 10, now_ms());
	get(&net.alice, once.clone()).expect("first use of a signed read");
	expect_code(get(&net.alice, once), 1011, "replayed signature");
	expect_code(
		get(&net.alice, read_params(genesis, &clinician, Some(0), None, 0, 10, now_ms() - 120_000)),
		1010,
		"stale",
	);
	expect_code(
		get(&net.alice, read_params(genesis, &clinician, Some(99), None, 0, 10, now_ms())),
		1014,
		"unknown request",
	);
	expect_code(
		get(&net.alice, read_params(genesis, &clinician, None, Some(small_id), 0, 10, now_ms())),
		1015,
		"not the patient",
	);
	expect_code(
		get(&net.bob, read_params(genesis, &clinician, Some(0), None, 0, 10, now_ms())),
		1017,
		"not the custodian",
	);

	step("a grant whose second proxy got a useless kfrag: 3 of 3 can never be reached");
	let stuck_proxies = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 3, &proxies, Some(1));
	chain
		.submit(
			&patient,
			EhrCall::grant {
				grantee: clinician_id.clone(),
				scope: Scope::AllRecords,
				threshold: 3,
				proxies: stuck_proxies.try_into().unwrap(),
				expires_at: None,
				purpose: Purpose::Treatment,
			},
		)
		.expect("second grant");
	let stuck_grant = chain.wait(CHAIN_TIMEOUT, "the second grant", |c| {
		let grants: Vec<(u64, Grant<AccountId, BlockNumber>)> = c.grants_of_patient(&patient_id)?;
		Ok((grants.len() == 2).then(|| grants.iter().map(|(id, _)| *id).max().unwrap_or(1)))
	});
	chain.submit(&clinician, EhrCall::request_access { grant: stuck_grant, record: large_id }).expect("second request");
	let charlie_id = Sr25519Keyring::Charlie.to_account_id();
	chain.wait(CHAIN_TIMEOUT, "Alice's and Charlie's cfrags on the stuck request", |c| {
		Ok(request_of(c, 1)?
			.filter(|r| r.cfrags.len() == 2 && r.cfrags.iter().any(|d| d.hospital == charlie_id))
			.map(|_| ()))
	});
	expect_code(get(&net.alice, read_params(genesis, &clinician, Some(1), None, 0, 10, now_ms())), 1016, "not ready");

	step("Charlie's node restarts: it sees its cfrag on chain and does not resubmit");
	net.charlie.kill();
	net.charlie.restart();
	let best = net.alice.best_number().expect("best");
	chain.wait(CHAIN_TIMEOUT, "five more blocks", |_| Ok((net.alice.best_number()? >= best + 5).then_some(())));
	let status = net.charlie.rpc("ehr_status", rpc_params![]).expect("charlie's status");
	assert_eq!(status["cfragsSubmitted"].as_u64(), Some(0), "restarted Charlie submitted nothing: {status}");
	let stuck = request_of(&chain, 1).expect("request 1").expect("exists");
	assert_eq!((stuck.status, stuck.cfrags.len()), (RequestStatus::Open, 2), "no duplicate cfrag");

	step("after the patient revokes, the clinician reads nothing");
	chain.submit(&patient, EhrCall::revoke { grant: grant_id }).expect("revoke");
	chain.wait(CHAIN_TIMEOUT, "the revocation on chain", |c| {
		let grants: Vec<(u64, Grant<AccountId, BlockNumber>)> = c.grants_of_patient(&patient_id)?;
		Ok(grants.iter().find(|(id, g)| *id == grant_id && g.revoked_at.is_some()).map(|_| ()))
	});
	expect_code(
		get(&net.alice, read_params(genesis, &clinician, Some(0), None, 0, 10, now_ms())),
		1015,
		"after revoke",
	);

	step("the patient retires the small record: final, it is kept for the retirement grace and still theirs to read");
	let blobs =
		|node: &Node| node.rpc("ehr_status", rpc_params![]).map(|s| s["blobCount"].as_u64().unwrap_or(u64::MAX));
	assert_eq!(blobs(&net.alice), Ok(2));
	chain.submit(&patient, EhrCall::retire_record { record: small_id }).expect("retire_record");
	let small_retired_at = chain.wait(CHAIN_TIMEOUT, "the retirement on chain", |c| {
		let found: Option<Record<AccountId, BlockNumber>> = c.call("EhrApi_record", small_id)?;
		Ok(found.and_then(|r| r.retired_at))
	});
	chain.wait(CHAIN_TIMEOUT, "the retirement to be final", |_| {
		Ok((net.alice.finalized_number()? >= u64::from(small_retired_at)).then_some(()))
	});
	std::thread::sleep(Duration::from_secs(6));
	assert_eq!(blobs(&net.alice), Ok(2), "a retired body is kept for the grace (custody::, where it ends)");
	assert_eq!(read_all(&net.alice, genesis, &patient, None, Some(small_id)), small, "still the patient's to read");

	step("Bob front-runs Alice's upload with a record of his own and retires it: Alice keeps the body");
	let contested = body(4096, 3);
	let contested_hash = upload(&net.alice, &contested);
	assert_eq!(blobs(&net.alice), Ok(3));
	let bob = Sr25519Keyring::Bob.pair();
	let contested_id =
		create_record(&chain, &bob, &patient_id, &patient_sk.public_key(), contested_hash, contested.len() as u64);
	chain.submit(&Sr25519Keyring::Bob.pair(), EhrCall::retire_record { record: contested_id }).expect("Bob retires");
	let retired_at = chain.wait(CHAIN_TIMEOUT, "Bob's retirement on chain", |c| {
		let found: Option<Record<AccountId, BlockNumber>> = c.call("EhrApi_record", contested_id)?;
		Ok(found.and_then(|r| r.retired_at))
	});
	chain.wait(CHAIN_TIMEOUT, "the retirement to be final", |_| {
		Ok((net.alice.finalized_number()? >= u64::from(retired_at)).then_some(()))
	});
	// Several upkeep passes (every 2 s) over the finalized retirement.
	std::thread::sleep(Duration::from_secs(8));
	assert_eq!(blobs(&net.alice), Ok(3), "another hospital's retirement deletes nothing at Alice's node");

	step("a body corrupted on disk is quarantined, not served and not deleted");
	let name = hex::encode(sp_crypto_hashing::blake2_256(&large));
	let stored = find_file(net.alice.base_path(), &name).expect("the large body is in Alice's blob store");
	let mut damaged = large.clone();
	damaged[0] ^= 0xFF;
	std::fs::write(&stored, &damaged).expect("damaging the stored body");
	expect_code(
		get(&net.alice, read_params(genesis, &patient, None, Some(large_id), 0, 10, now_ms())),
		1006,
		"corrupted body",
	);
	let status = net.alice.rpc("ehr_status", rpc_params![]).expect("alice's status");
	assert_eq!(status["blobsQuarantined"].as_u64(), Some(1), "{status}");
	assert_eq!(
		status["blobCount"].as_u64(),
		Some(2),
		"the retired small body and the contested one are left in the store: {status}"
	);
	let kept = stored.parent().and_then(|blobs| blobs.parent()).expect("the blob store").join("quarantine").join(&name);
	assert_eq!(std::fs::read(kept).expect("the quarantined body"), damaged, "kept for the operator");
}

/// The file called `name` somewhere under `dir`.
fn find_file(dir: &std::path::Path, name: &str) -> Option<std::path::PathBuf> {
	for entry in std::fs::read_dir(dir).ok()?.flatten() {
		let path = entry.path();
		if path.is_dir() {
			if let Some(found) = find_file(&path, name) {
				return Some(found);
			}
		} else if path.file_name().and_then(|n| n.to_str()) == Some(name) {
			return Some(path);
		}
	}
	None
}

/// `ehr_putBlob` only for the hospital's own systems, and within the size limit.
#[test]
fn uploads_need_unsafe_rpc_and_respect_the_size_limit() {
	let safe = Node::start("alice", "dev", &["--rpc-methods".into(), "safe".into()], None, None);
	let data = body(100, 3);
	let hash = H256::from(sp_crypto_hashing::blake2_256(&data));
	let refused = safe.rpc("ehr_putBlob", rpc_params![hash, 100u64, 0u64, hex0x(&data)]);
	assert!(refused.is_err(), "a public (safe-only) RPC endpoint refuses uploads");
	let alice = sp_keyring::Sr25519Keyring::Alice.to_account_id().to_ss58check();
	let consent = safe.rpc("ehr_proxyAccountConsent", rpc_params![alice]);
	assert!(consent.is_err(), "nor does it sign the node account's consent to a hospital: {consent:?}");
	let file = tempfile::NamedTempFile::new().expect("a temporary file");
	std::fs::write(file.path(), &data).expect("writes");
	let put = Command::new("curl")
		.args(["-sS", "-o", "-", "-w", "\n%{http_code}", "-T"])
		.arg(file.path())
		.arg(format!("{}/{hash:?}", http_base(&safe)))
		.output()
		.expect("curl runs");
	let answer = String::from_utf8_lossy(&put.stdout);
	assert!(answer.ends_with("\n403") && answer.contains("1008"), "nor does its HTTP body server: {answer}");
	drop(safe);

	let metrics_port = ehr_test_utils::free_port();
	let small = Node::start(
		"alice",
		"dev",
		&["--ehr-blob-max-bytes".into(), "1000".into(), "--prometheus-port".into(), metrics_port.to_string()],
		None,
		None,
	);
	let big = body(2000, 4);
	let big_hash = H256::from(sp_crypto_hashing::blake2_256(&big));
	expect_code(
		small.rpc("ehr_putBlob", rpc_params![big_hash, 2000u64, 0u64, hex0x(&big[..500])]),
		1001,
		"over the limit",
	);
	expect_code(small.rpc("ehr_putBlob", rpc_params![hash, 100u64, 0u64, hex0x(&body(100, 9))]), 1003, "hash mismatch");
	let reply = small.rpc("ehr_putBlob", rpc_params![hash, 100u64, 0u64, hex0x(&data)]).expect("a valid upload");
	assert_eq!(reply["complete"].as_bool(), Some(true));

	step("the operator's Prometheus endpoint shows the EHR metrics");
	let scrape = std::process::Command::new("curl")
		.args(["--silent", "--max-time", "10", &format!("http://127.0.0.1:{metrics_port}/metrics")])
		.output()
		.expect("curl runs (scripts/setup installs it)");
	let metrics = String::from_utf8_lossy(&scrape.stdout);
	for expected in [
		"ehr_rpc_errors_total{kind=\"too_large\",chain=\"ehr_dev\"} 1",
		"ehr_rpc_errors_total{kind=\"hash_mismatch\",chain=\"ehr_dev\"} 1",
		"ehr_blob_store_count{chain=\"ehr_dev\"} 1",
		"ehr_blob_store_bytes{chain=\"ehr_dev\"} 100",
		"ehr_proxy_open_requests{chain=\"ehr_dev\"}",
	] {
		assert!(metrics.contains(expected), "metrics lack `{expected}`:\n{metrics}");
	}
}

/// SIGKILL during a burst of uploads: every acknowledged body is readable
/// and verifies afterwards, and nothing half-written is in the store.
#[test]
fn acknowledged_uploads_survive_a_crash() {
	let upkeep: Vec<String> =
		["--ehr-orphan-ttl-secs", "30", "--ehr-upkeep-interval-secs", "2"].iter().map(|a| a.to_string()).collect();
	let mut node = Node::start("alice", "dev", &upkeep, None, None);
	let port = node.rpc_port();
	let acknowledged = Arc::new(Mutex::new(Vec::new()));
	let uploader = {
		let acknowledged = acknowledged.clone();
		thread::spawn(move || {
			let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
			runtime.block_on(async move {
				use jsonrpsee::core::client::ClientT;
				let client = jsonrpsee::http_client::HttpClientBuilder::default()
					.request_timeout(Duration::from_secs(10))
					.build(format!("http://127.0.0.1:{port}"))
					.expect("client");
				for i in 0..400u32 {
					let data = body(96 * 1024, i as u8);
					let hash = H256::from(sp_crypto_hashing::blake2_256(&data));
					let half = data.len() / 2;
					let first: Result<Value, _> = client
						.request("ehr_putBlob", rpc_params![hash, data.len() as u64, 0u64, hex0x(&data[..half])])
						.await;
					if first.is_err() {
						return;
					}
					let last: Result<Value, _> = client
						.request("ehr_putBlob", rpc_params![hash, data.len() as u64, half as u64, hex0x(&data[half..])])
						.await;
					match last {
						Ok(reply) if reply["complete"].as_bool() == Some(true) => {
							acknowledged.lock().expect("lock").push((hash, data.len()))
						},
						_ => return,
					}
				}
			})
		})
	};
	while acknowledged.lock().expect("lock").len() < 20 {
		thread::sleep(Duration::from_millis(20));
	}
	node.kill();
	uploader.join().expect("the uploader thread ends");
	let acknowledged = acknowledged.lock().expect("lock").clone();
	step(&format!("killed the node after {} acknowledged uploads", acknowledged.len()));

	let dir = node.base_path().join("chains").join("ehr_dev").join("ehr");
	let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
	runtime.block_on(async {
		let store = BlobStore::open(&dir, u64::MAX).await.expect("the store opens");
		for (hash, len) in &acknowledged {
			let (data, size) =
				store.read_range(hash, 0, u32::MAX).await.expect("an acknowledged upload is readable and verifies");
			assert_eq!((data.len(), size as usize), (*len, *len));
		}
		for blob in store.list().await.expect("list") {
			store.read_range(&blob.hash, 0, 1).await.expect("every stored blob verifies against its hash");
		}
	});
	node.restart();
	node.wait_for(CHAIN_TIMEOUT, "the restarted node to author blocks", |n| Ok(n.best_number()? >= 1));

	step("no record points at these uploads: they are deleted once their time is up");
	node.wait_for(CHAIN_TIMEOUT, "orphan uploads to be deleted", |n| {
		Ok(n.rpc("ehr_status", rpc_params![])?["blobCount"].as_u64() == Some(0))
	});
}

/// Finality stalls (two of four validators down) for longer than the
/// orphan TTL: the upload no record points to is kept, because its age is
/// counted in finalized blocks too; once finality resumes it is deleted.
#[test]
fn a_finality_stall_deletes_no_upload() {
	let ttl: Vec<String> =
		["--ehr-orphan-ttl-secs", "9", "--ehr-upkeep-interval-secs", "1"].iter().map(|a| a.to_string()).collect();
	let mut net = local_network_with(&ttl);
	net.alice.wait_for(CHAIN_TIMEOUT, "finality", |n| Ok(n.finalized_number()? >= 2));

	step("two of four validators stop: blocks go on, finality stalls");
	net.charlie.kill();
	net.dave.kill();
	let hash = upload(&net.alice, &body(2048, 9));
	let stalled_at = net.alice.finalized_number().expect("finalized");
	let best_at = net.alice.best_number().expect("best");
	let stall = Instant::now();
	let blobs = |node: &Node| node.rpc("ehr_status", rpc_params![]).map(|s| s["blobCount"].as_u64());
	while stall.elapsed() < Duration::from_secs(36) {
		assert_eq!(blobs(&net.alice), Ok(Some(1)), "an upload was deleted while finality stalled");
		thread::sleep(Duration::from_secs(2));
	}
	let (finalized, best) = (net.alice.finalized_number().expect("finalized"), net.alice.best_number().expect("best"));
	assert!(finalized <= stalled_at + 1, "finality stalled ({stalled_at} -> {finalized})");
	assert!(best >= best_at + 4, "blocks went on past the TTL in blocks ({best_at} -> {best})");
	step(&format!("kept {hash:?} for {:.0?}, four times the 9 s TTL", stall.elapsed()));

	step("the validators return: finality resumes and the orphan is deleted");
	net.charlie.restart();
	net.dave.restart();
	net.alice.wait_for(CHAIN_TIMEOUT, "finality to resume", |n| Ok(n.finalized_number()? >= best + 3));
	net.alice.wait_for(CHAIN_TIMEOUT, "the orphan to be deleted", |n| Ok(blobs(n)? == Some(0)));
}

/// 200 connections flood the public `ehr_getBlob` for 60 s with bad
/// signatures, unknown targets and oversized ranges while a grantee fetches
/// a 4 MiB body: the grantee's fetches complete, the node's memory stays
/// bounded, and every refusal carries one of the documented codes.
#[test]
fn public_reads_stay_bounded_under_a_flood() {
	let args: Vec<String> = ["--rpc-max-connections", "400"].iter().map(|a| a.to_string()).collect();
	let node = Node::start("alice", "dev", &args, None, None);
	node.wait_for_blocks(2);
	let chain = Chain::connect(&node);
	let genesis = chain.genesis();
	let alice = Sr25519Keyring::Alice;
	let proxy = own_proxy(&chain, &node, alice);
	let patient = sr25519::Pair::from_string("//Patient", None).expect("seed");
	let clinician = sr25519::Pair::from_string("//Clinician", None).expect("seed");
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	let patient_id: AccountId = patient.public().into();
	register_patient(&chain, &alice.pair(), &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &alice.pair(), &clinician, &clinician_sk);
	chain.wait(CHAIN_TIMEOUT, "the patient", |c| {
		Ok(c.call::<Option<PatientInfo<AccountId>>>("EhrApi_patient", patient_id.clone())?.map(|_| ()))
	});
	let data = body(4 << 20, 7);
	let hash = upload(&node, &data);
	let record = create_record(&chain, &alice.pair(), &patient_id, &patient_sk.public_key(), hash, data.len() as u64);
	let kfrags = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 1, &[proxy], None);
	grant(&chain, &patient, clinician.public().into(), Scope::AllRecords, 1, kfrags);
	chain.submit(&clinician, EhrCall::request_access { grant: 0, record }).expect("request_access");
	chain.wait(CHAIN_TIMEOUT, "the request to be ready", |c| {
		Ok(request_of(c, 0)?.filter(|r| r.status == RequestStatus::Ready).map(|_| ()))
	});

	let fetch = || {
		let start = Instant::now();
		assert_eq!(read_all(&node, genesis, &clinician, Some(0), None), data, "the grantee's body round-trips");
		start.elapsed()
	};
	let unloaded: Vec<Duration> = (0..3).map(|_| fetch()).collect();
	let rss_before = node.rss_kib().expect("the node's RSS");

	step("200 connections send bad reads for 60 s while the grantee fetches");
	let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
	let codes = Arc::new(Mutex::new(std::collections::BTreeMap::<i32, u64>::new()));
	let url = format!("ws://127.0.0.1:{}", node.rpc_port());
	let flood = {
		let (stop, codes) = (stop.clone(), codes.clone());
		thread::spawn(move || {
			let runtime =
				tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("rt");
			runtime.block_on(async move {
				use ehr_rpc_api::{BlobRead, EhrRpcApiClient};
				let mut tasks = Vec::new();
				for connection in 0..200u32 {
					let (stop, codes, url) = (stop.clone(), codes.clone(), url.clone());
					tasks.push(tokio::spawn(async move {
						let client = jsonrpsee::ws_client::WsClientBuilder::default()
							.build(&url)
							.await
							.expect("a flooding connection opens");
						let attacker = sr25519::Pair::from_seed(&[connection as u8; 32]);
						let custodian: AccountId = Sr25519Keyring::Alice.to_account_id();
						let mut round = 0u64;
						while !stop.load(std::sync::atomic::Ordering::Relaxed) {
							round += 1;
							let read = match round % 3 {
								// A signature that does not verify.
								0 => {
									let mut r = BlobRead::signed(
										genesis,
										custodian.clone(),
										Some(0),
										None,
										0,
										1 << 20,
										now_ms(),
										&attacker,
									);
									r.signer = AccountId::new([9; 32]);
									r
								},
								// An unknown target, correctly signed.
								1 => BlobRead::signed(
									genesis,
									custodian.clone(),
									Some(1_000_000 + round),
									None,
									0,
									16,
									now_ms(),
									&attacker,
								),
								// An oversized range on the real request, by a stranger.
								_ => BlobRead::signed(
									genesis,
									custodian.clone(),
									Some(0),
									None,
									u64::MAX / 2,
									u32::MAX,
									now_ms(),
									&attacker,
								),
							};
							match client.get_blob(read).await {
								Ok(_) => panic!("a flooding read was served"),
								Err(jsonrpsee::core::ClientError::Call(refusal)) => {
									*codes.lock().expect("lock").entry(refusal.code()).or_default() += 1
								},
								Err(other) => {
									*codes.lock().expect("lock").entry(-1).or_default() += 1;
									eprintln!("flood connection {connection}: {other}");
									tokio::time::sleep(Duration::from_millis(100)).await;
								},
							}
						}
					}));
				}
				for task in tasks {
					task.await.expect("a flooding task");
				}
			})
		})
	};
	let started = Instant::now();
	let mut loaded = Vec::new();
	while started.elapsed() < Duration::from_secs(60) {
		loaded.push(fetch());
		thread::sleep(Duration::from_millis(250));
	}
	let rss_during = node.rss_kib().expect("the node's RSS");
	stop.store(true, std::sync::atomic::Ordering::Relaxed);
	flood.join().expect("the flood ends");
	let rss_after = node.rss_kib().expect("the node's RSS");

	let codes = codes.lock().expect("lock").clone();
	let documented: Vec<i32> = ehr_rpc_api::EhrRpcError::examples().iter().map(|e| e.code()).collect();
	let refused: u64 = codes.values().sum();
	step(&format!(
		"unloaded fetch of 4 MiB: {unloaded:.0?}; under the flood: {} fetches, median {:.0?}, max {:.0?}; \
		 {refused} refusals by code {codes:?}; node RSS {rss_before} KiB before, {rss_during} KiB during, \
		 {rss_after} KiB after",
		loaded.len(),
		{
			let mut sorted = loaded.clone();
			sorted.sort();
			sorted[sorted.len() / 2]
		},
		loaded.iter().max().expect("at least one fetch"),
	));
	assert!(!loaded.is_empty(), "the grantee fetched under the flood");
	assert!(refused > 10_000, "the flood was real: {refused} refusals");
	for code in codes.keys() {
		assert!(documented.contains(code), "undocumented answer {code} to a flooding read: {codes:?}");
	}
	assert!(rss_during < rss_before + 256 * 1024, "memory bounded: {rss_before} -> {rss_during} KiB");
}

/// Benchmark, not a test (run by scripts/bench with `--ignored`): the time
/// to fetch a whole 1 KiB, 1 MiB and 32 MiB body through `ehr_getBlob`
/// (4 MiB reads, signature checks and chain-state authorization included),
/// next to the node's bare JSON-RPC round trip (`system_health`) measured
/// in the same run. Prints figures; asserts only that the bytes round-trip.
#[test]
#[ignore]
fn bench_body_transport() {
	let dir = tempfile::TempDir::with_prefix("ehr-bench-bodies-").expect("a temporary folder");
	let node = Node::start("alice", "dev", &["--ehr-blob-max-bytes".into(), (2u64 << 30).to_string()], None, None);
	node.wait_for_blocks(2);
	let chain = Chain::connect(&node);
	let genesis = chain.genesis();
	let alice = Sr25519Keyring::Alice;
	let (patient, patient_sk, patient_id) = patient_of_alice(&chain, &node);
	let http = http_base(&node);
	let baseline = ehr_test_utils::web::StaticServer::start(dir.path());
	// A second development node (its own chain) whose bodies live in s3s-fs.
	let s3 = S3Server::start("ehr-bench");
	let s3_node = Node::start_with_env("alice", "dev", &s3.node_args("alice"), &s3.node_env());
	s3_node.wait_for_blocks(2);
	let s3_chain = Chain::connect(&s3_node);
	let (_, s3_patient_sk, _) = patient_of_alice(&s3_chain, &s3_node);
	let s3_http = http_base(&s3_node);

	let rounds = 7;
	let stats = |mut times: Vec<f64>| {
		times.sort_by(|a, b| a.total_cmp(b));
		(times[0], times[times.len() / 2], times[times.len() - 1])
	};
	let curl = |args: &[String]| {
		let start = Instant::now();
		let out = Command::new("curl").args(["-sS", "-f", "-o", "/dev/null"]).args(args).output().expect("curl runs");
		assert!(out.status.success(), "curl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
		start.elapsed().as_secs_f64() * 1000.0
	};
	println!("Record bodies from a development node on loopback: {rounds} rounds each, min / median / max in ms.");
	for (label, size) in [("1 MiB", 1usize << 20), ("32 MiB", 32 << 20)] {
		let data = body(size, size as u8);
		std::fs::write(dir.path().join("body"), &data).expect("the baseline's copy");
		let hash = upload_http(&http, &dir.path().join("body"));
		let record = create_record(&chain, &alice.pair(), &patient_id, &patient_sk.public_key(), hash, size as u64);
		upload_http(&s3_http, &dir.path().join("body"));
		let s3_record =
			create_record(&s3_chain, &alice.pair(), &patient_id, &s3_patient_sk.public_key(), hash, size as u64);

		let file = format!("{}body", baseline.url());
		let plain: Vec<f64> = (0..rounds).map(|_| curl(std::slice::from_ref(&file))).collect();
		let over_http: Vec<f64> = (0..rounds)
			.map(|_| {
				let read = read_params(genesis, &patient, None, Some(record), 0, size as u32, now_ms());
				curl(&["-H".into(), format!("x-ehr-read: {read}"), http.clone()])
			})
			.collect();
		let over_s3: Vec<f64> = (0..rounds)
			.map(|_| {
				let read = read_params(genesis, &patient, None, Some(s3_record), 0, size as u32, now_ms());
				curl(&["-H".into(), format!("x-ehr-read: {read}"), s3_http.clone()])
			})
			.collect();
		// The store's own speed: the same object straight from s3s-fs, signed
		// by curl (SigV4), no node in between.
		let object = format!("{}/ehr-bench/alice/bodies/{}", s3.endpoint(), hex::encode(hash));
		let sigv4 = [
			"--aws-sigv4".to_string(),
			"aws:amz:us-east-1:s3".into(),
			"--user".into(),
			s3.credentials(),
			"-H".into(),
			"x-amz-content-sha256: UNSIGNED-PAYLOAD".into(),
		];
		let from_s3: Vec<f64> =
			(0..rounds).map(|_| curl(&[&sigv4[..], std::slice::from_ref(&object)].concat())).collect();
		let over_rpc: Vec<f64> = (0..rounds)
			.map(|_| {
				let start = Instant::now();
				let got = read_all(&node, genesis, &patient, None, Some(record));
				assert!(got.len() == size, "the body round-trips");
				start.elapsed().as_secs_f64() * 1000.0
			})
			.collect();
		let (plain, over_http, from_s3, over_s3, over_rpc) =
			(stats(plain), stats(over_http), stats(from_s3), stats(over_s3), stats(over_rpc));
		println!("  {label} body");
		println!("    curl from a static file server (baseline)  {:8.2} {:8.2} {:8.2}", plain.0, plain.1, plain.2);
		println!(
			"    curl from the node's HTTP body server      {:8.2} {:8.2} {:8.2}  ({:.2}x the baseline's median)",
			over_http.0,
			over_http.1,
			over_http.2,
			over_http.1 / plain.1
		);
		println!(
			"    curl from s3s-fs itself (SigV4)            {:8.2} {:8.2} {:8.2}  ({:.2}x)",
			from_s3.0,
			from_s3.1,
			from_s3.2,
			from_s3.1 / plain.1
		);
		println!(
			"    the node, bodies in s3s-fs (object store)  {:8.2} {:8.2} {:8.2}  ({:.2}x)",
			over_s3.0,
			over_s3.1,
			over_s3.2,
			over_s3.1 / plain.1
		);
		println!(
			"    ehr_getBlob, 4 MiB hex chunks              {:8.2} {:8.2} {:8.2}  ({:.2}x)",
			over_rpc.0,
			over_rpc.1,
			over_rpc.2,
			over_rpc.1 / plain.1
		);
	}

	// Memory while serving a 1 GiB body: the node's resident set, sampled
	// every 20 ms during the download, against the same before it.
	let size = 1usize << 30;
	let path = dir.path().join("large");
	{
		use std::io::Write;
		let mut file = std::fs::File::create(&path).expect("a 1 GiB file");
		let mut hasher = blake2b_simd::Params::new().hash_length(32).to_state();
		for i in 0..(size >> 20) {
			let block = body(1 << 20, i as u8);
			hasher.update(&block);
			file.write_all(&block).expect("writes");
		}
		let hash = H256::from_slice(hasher.finalize().as_bytes());
		let put = Command::new("curl")
			.args(["-sS", "-f", "-o", "/dev/null", "-T"])
			.arg(&path)
			.arg(format!("{http}/{hash:?}"))
			.output()
			.expect("curl runs");
		assert!(put.status.success(), "the 1 GiB upload: {}", String::from_utf8_lossy(&put.stderr));
		let record = create_record(&chain, &alice.pair(), &patient_id, &patient_sk.public_key(), hash, size as u64);
		let node = &node;
		let rss = move || node.rss_kib().unwrap_or(0);
		let before = rss();
		let done = std::sync::atomic::AtomicBool::new(false);
		let (took, peak) = thread::scope(|scope| {
			let sampler = scope.spawn(|| {
				let mut peak = 0;
				while !done.load(std::sync::atomic::Ordering::Relaxed) {
					peak = peak.max(rss());
					thread::sleep(Duration::from_millis(20));
				}
				peak
			});
			let read = read_params(genesis, &patient, None, Some(record), 0, size as u32, now_ms());
			let took = curl(&["-H".into(), format!("x-ehr-read: {read}"), http.clone()]);
			done.store(true, std::sync::atomic::Ordering::Relaxed);
			(took, sampler.join().expect("the sampler"))
		});
		println!(
			"  1 GiB body over HTTP in {:.1} s; node RSS {:.1} MiB before, peak {:.1} MiB while serving (+{:.1} MiB)",
			took / 1000.0,
			before as f64 / 1024.0,
			peak as f64 / 1024.0,
			peak.saturating_sub(before) as f64 / 1024.0
		);
	}
}

/// Registers Alice's proxy on her development node and a patient of hers
/// (`//Patient`, with a fresh Umbral key); returns the patient's account
/// pair, Umbral secret key and account id once the chain has the patient.
fn patient_of_alice(chain: &Chain, node: &Node) -> (sr25519::Pair, SecretKey, AccountId) {
	let alice = Sr25519Keyring::Alice;
	own_proxy(chain, node, alice);
	let patient = sr25519::Pair::from_string("//Patient", None).expect("seed");
	let patient_sk = SecretKey::random();
	let patient_id: AccountId = patient.public().into();
	register_patient(chain, &alice.pair(), &patient, &patient_sk, &Signer::new(SecretKey::random()));
	chain.wait(CHAIN_TIMEOUT, "the patient", |c| {
		Ok(c.call::<Option<PatientInfo<AccountId>>>("EhrApi_patient", patient_id.clone())?.map(|_| ()))
	});
	(patient, patient_sk, patient_id)
}

/// The URL of `node`'s HTTP body server (`GET` reads; `PUT /0x<hash>` uploads).
fn http_base(node: &Node) -> String {
	let status = node.rpc("ehr_status", rpc_params![]).expect("ehr_status");
	let port = status["httpPort"].as_u64().expect("the node runs its HTTP body server");
	format!("http://127.0.0.1:{port}/body")
}

/// Uploads the file at `path` with one HTTP `PUT`; returns the body hash.
fn upload_http(http: &str, path: &std::path::Path) -> H256 {
	let hash = H256::from(sp_crypto_hashing::blake2_256(&std::fs::read(path).expect("the body")));
	let put = Command::new("curl")
		.args(["-sS", "-f", "-o", "/dev/null", "-T"])
		.arg(path)
		.arg(format!("{http}/{hash:?}"))
		.output()
		.expect("curl runs");
	assert!(put.status.success(), "the upload is taken: {}", String::from_utf8_lossy(&put.stderr));
	hash
}

/// The proxy worker's cfrag transaction as it waits in `node`'s pool:
/// `(transaction hash, request id)`, if one is there.
fn pending_cfrag(node: &Node) -> Result<Option<(String, u64)>, String> {
	use codec::Decode;
	let pending = node.rpc("author_pendingExtrinsics", rpc_params![])?;
	for encoded in pending.as_array().into_iter().flatten() {
		let bytes = hex::decode(encoded.as_str().unwrap_or_default().trim_start_matches("0x"))
			.map_err(|e| format!("pending extrinsic is not hex: {e}"))?;
		let extrinsic = ehr_runtime::UncheckedExtrinsic::decode(&mut &bytes[..])
			.map_err(|e| format!("pending extrinsic does not decode: {e}"))?;
		if let ehr_runtime::RuntimeCall::Ehr(EhrCall::submit_cfrag { request, .. }) = extrinsic.function {
			return Ok(Some((hex0x(&sp_crypto_hashing::blake2_256(&bytes)), request)));
		}
	}
	Ok(None)
}

/// Issue 14, item 8: a cfrag transaction that leaves the pool without being
/// included (here removed by the operator's `author_removeExtrinsic`, which
/// the pool reports to its watcher as invalid) does not hold the node's
/// later transactions back. Without the nonce resynchronisation the node's
/// next transaction would reuse the lost one's successor nonce and wait in
/// the pool's future queue until its era ran out.
#[test]
fn a_dropped_cfrag_does_not_hold_back_the_next() {
	let node = Node::start("alice", "dev", &[], None, None);
	node.wait_for_blocks(2);
	let chain = Chain::connect(&node);

	step("Alice's node registers its proxy; a patient, a clinician, a record and a 1-of-1 grant");
	let proxies = vec![own_proxy(&chain, &node, Sr25519Keyring::Alice)];
	let alice = Sr25519Keyring::Alice.pair();
	let patient = sr25519::Pair::from_string("//Patient", None).expect("dev seed");
	let clinician = sr25519::Pair::from_string("//Clinician", None).expect("dev seed");
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	let patient_id: AccountId = patient.public().into();
	register_patient(&chain, &alice, &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &alice, &clinician, &clinician_sk);
	chain.wait(CHAIN_TIMEOUT, "proxy and patient on chain", |c| {
		let proxies: Vec<(AccountId, ProxyInfo<AccountId>)> = c.call("EhrApi_proxies", ())?;
		let patient: Option<PatientInfo<AccountId>> = c.call("EhrApi_patient", patient_id.clone())?;
		Ok((proxies.len() == 1 && patient.is_some()).then_some(()))
	});
	let data = body(1024, 7);
	let hash = upload(&node, &data);
	let record = create_record(&chain, &alice, &patient_id, &patient_sk.public_key(), hash, data.len() as u64);
	let kfrags = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 1, &proxies, None);
	let grant = grant(&chain, &patient, clinician.public().into(), Scope::AllRecords, 1, kfrags);

	step("the clinician asks; the node's cfrag is taken out of the pool before a block includes it");
	// The cfrag goes into the pool right after the block with the request
	// is imported and waits up to one slot (3 s) for the next block; the
	// test polls every 20 ms. Should a block take it first, the next
	// request gives another chance.
	let mut dropped = None;
	for request in 0..5u64 {
		chain.submit(&clinician, EhrCall::request_access { grant, record }).expect("request_access");
		let deadline = Instant::now() + CHAIN_TIMEOUT;
		while Instant::now() < deadline {
			if let Some((tx, id)) = pending_cfrag(&node).expect("reading the pool") {
				let removed = node
					.rpc("author_removeExtrinsic", rpc_params![vec![json!({ "hash": tx })]])
					.expect("author_removeExtrinsic");
				if removed.as_array().is_some_and(|r| !r.is_empty()) {
					dropped = Some(id);
				}
				break;
			}
			if request_of(&chain, request).expect("request").is_some_and(|r| r.status == RequestStatus::Ready) {
				break;
			}
			thread::sleep(Duration::from_millis(20));
		}
		if dropped.is_some() {
			break;
		}
		step("a block took the cfrag first; asking again");
	}
	let dropped = dropped.expect("one of five cfrags was caught in the pool");
	chain.wait(CHAIN_TIMEOUT, "the node to notice the lost transaction", |_| {
		Ok(node.log_tail(400).contains("left the pool").then_some(()))
	});
	assert!(
		request_of(&chain, dropped).expect("request").is_some_and(|r| r.status == RequestStatus::Open),
		"the removed cfrag is not on chain"
	);

	step("the node's next cfrags land: the lost request's again, and a new request's");
	chain.submit(&clinician, EhrCall::request_access { grant, record }).expect("request_access");
	let next = dropped + 1;
	for id in [next, dropped] {
		chain.wait(CHAIN_TIMEOUT, "the request to become ready", |c| {
			Ok(request_of(c, id)?.filter(|r| r.status == RequestStatus::Ready).map(|_| ()))
		});
	}
}

/// `PUT`s `data` as the bytes at `start` of the `total`-byte body `hash`
/// (a `Content-Range` upload); returns the HTTP status and the answer.
fn put_range(http: &str, hash: H256, data: &[u8], start: usize, total: usize) -> (u16, Value) {
	let dir = tempfile::tempdir().expect("a temporary folder");
	let (piece, answer) = (dir.path().join("piece"), dir.path().join("answer"));
	std::fs::write(&piece, data).expect("the piece");
	let end = start + data.len() - 1;
	let put = Command::new("curl")
		.args(["-sS", "-X", "PUT", "-w", "%{http_code}", "-o"])
		.arg(&answer)
		.args(["-H", &format!("Content-Range: bytes {start}-{end}/{total}"), "--data-binary"])
		.arg(format!("@{}", piece.display()))
		.arg(format!("{http}/{hash:?}"))
		.output()
		.expect("curl runs");
	let status = String::from_utf8_lossy(&put.stdout).trim().parse().expect("curl prints the status");
	(status, serde_json::from_slice(&std::fs::read(&answer).unwrap_or_default()).unwrap_or(Value::Null))
}

/// Issue 17, item 2: a node whose bodies live in an S3-compatible object
/// store (s3s-fs, the real S3 protocol over a folder) keeps the blob
/// store's guarantees. An upload cut short by a killed node leaves nothing
/// in the bucket and resumes after the restart; the body then lives in the
/// bucket only, and reads back byte for byte over HTTP and JSON-RPC. An
/// orphan is deleted from the bucket when its time is up, and an object
/// damaged behind the node's back is quarantined, never served.
#[test]
fn bodies_live_in_an_s3_object_store_with_the_same_guarantees() {
	let s3 = S3Server::start("ehr-bodies");
	let mut args = s3.node_args("alice");
	args.extend(["--ehr-orphan-ttl-secs", "12", "--ehr-upkeep-interval-secs", "1"].map(String::from));
	let mut node = Node::start_with_env("alice", "dev", &args, &s3.node_env());
	node.wait_for_blocks(2);
	let http = http_base(&node);

	step("a registered patient, for the record to come");
	let chain = Chain::connect(&node);
	let genesis = chain.genesis();
	let alice = Sr25519Keyring::Alice;
	let (patient, patient_sk, patient_id) = patient_of_alice(&chain, &node);

	step("half of a 20 MiB body goes up, then the node is killed: nothing is in the bucket");
	let data = body(20 << 20, 17);
	let hash = H256::from(sp_crypto_hashing::blake2_256(&data));
	let key = format!("alice/bodies/{}", hex::encode(hash));
	let half = data.len() / 2;
	let (status, answer) = put_range(&http, hash, &data[..half], 0, data.len());
	assert_eq!((status, answer["nextOffset"].as_u64()), (202, Some(half as u64)), "{answer}");
	assert!(s3.keys("alice").is_empty(), "nothing half-written in the bucket: {:?}", s3.keys("alice"));
	node.kill();
	node.restart();
	node.wait_for(CHAIN_TIMEOUT, "the restarted node to author blocks", |n| Ok(n.best_number()? >= 1));
	let http = http_base(&node);

	step("after the restart the upload resumes where it stood and completes, into the bucket only");
	let (status, answer) = put_range(&http, hash, &data[..half], 0, data.len());
	assert_eq!(
		(status, answer["code"].as_i64()),
		(409, Some(1002)),
		"a resend from 0 is told where it stands: {answer}"
	);
	let (status, answer) = put_range(&http, hash, &data[half..], half, data.len());
	assert_eq!(status, 201, "{answer}");
	assert_eq!(s3.keys("alice"), vec![key.clone()]);
	assert_eq!(std::fs::read(s3.object_file(&key)).expect("the object"), data, "the object is the body");
	assert!(find_file(node.base_path(), &hex::encode(hash)).is_none(), "no copy on the node's own disk");

	step("a record points at it; the patient reads it back over HTTP and over JSON-RPC");
	let chain = Chain::connect(&node);
	let record = create_record(&chain, &alice.pair(), &patient_id, &patient_sk.public_key(), hash, data.len() as u64);
	let read = read_params(genesis, &patient, None, Some(record), 0, data.len() as u32, now_ms());
	let got = Command::new("curl")
		.args(["-sS", "-f", "-H", &format!("x-ehr-read: {read}"), &http])
		.output()
		.expect("curl runs");
	assert!(got.status.success(), "the read: {}", String::from_utf8_lossy(&got.stderr));
	assert!(got.stdout == data, "the body comes back byte for byte over HTTP");
	assert!(read_all(&node, genesis, &patient, None, Some(record)) == data, "and over ehr_getBlob");

	step("an upload no record points at is deleted from the bucket when its time is up");
	let orphan = upload(&node, &body(1000, 3));
	let orphan_key = format!("alice/bodies/{}", hex::encode(orphan));
	assert!(s3.keys("alice").contains(&orphan_key));
	node.wait_for(CHAIN_TIMEOUT, "the orphan to be deleted from the bucket", |_| {
		Ok(!s3.keys("alice").contains(&orphan_key))
	});
	assert_eq!(s3.keys("alice"), vec![key.clone()], "the record's body stays");

	step("the object is damaged behind the node's back: after a restart it is quarantined, not served");
	let mut damaged = data.clone();
	damaged[12345] ^= 1;
	std::fs::write(s3.object_file(&key), &damaged).expect("damage the object");
	node.kill();
	node.restart();
	node.wait_for(CHAIN_TIMEOUT, "the restarted node to author blocks", |n| Ok(n.best_number()? >= 1));
	expect_code(
		get(&node, read_params(genesis, &patient, None, Some(record), 0, 1000, now_ms())),
		1006,
		"a damaged object",
	);
	assert_eq!(s3.keys("alice"), vec![format!("alice/quarantine/{}", hex::encode(hash))], "moved aside, not deleted");
	assert_eq!(node.rpc("ehr_status", rpc_params![]).expect("ehr_status")["blobsQuarantined"], 1);
}

/// A node whose object store cannot be reached, or whose location is not
/// one, stops at start with a sentence naming what to check.
#[test]
fn a_node_with_an_unreachable_or_malformed_object_store_says_so_at_start() {
	let s3 = S3Server::start("ehr-bodies");
	let wrong_secret: Vec<(String, String)> = s3
		.node_env()
		.into_iter()
		.map(|(key, value)| if key == "AWS_SECRET_ACCESS_KEY" { (key, "not-the-secret".into()) } else { (key, value) })
		.collect();
	let nowhere = vec![
		"--ehr-object-store".into(),
		"s3://ehr-bodies/alice".into(),
		"--ehr-s3-endpoint".into(),
		format!("http://127.0.0.1:{}", ehr_test_utils::free_port()),
		"--ehr-s3-allow-http".into(),
	];
	for (args, env, expected) in [
		(s3.node_args("alice"), wrong_secret, "cannot reach the object store"),
		(nowhere, s3.node_env(), "cannot reach the object store"),
		(vec!["--ehr-object-store".into(), "s3://Not_A_Bucket".into()], s3.node_env(), "is not an S3 bucket name"),
		(vec!["--ehr-s3-endpoint".into(), s3.endpoint()], s3.node_env(), "--ehr-object-store"),
	] {
		let dir = tempfile::tempdir().expect("a temporary folder");
		let output = ehr_test_utils::run_with_timeout(
			Command::new(ehr_test_utils::node_binary())
				.args(["--dev", "--base-path"])
				.arg(dir.path())
				.args(["--rpc-port", &ehr_test_utils::free_port().to_string(), "--port"])
				.arg(ehr_test_utils::free_port().to_string())
				.args(&args)
				.envs(env),
			Duration::from_secs(60),
			"a node with a bad object store",
		);
		assert!(!output.status.success(), "{args:?}: the node stops");
		assert!(output.stderr.contains(expected), "{args:?}: expected `{expected}` in:\n{}", output.stderr);
	}
}
