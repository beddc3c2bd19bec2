//! Benchmarks of the whole flow on the four-hospital network (run by
//! scripts/bench; ignored by `cargo test`: they report figures, they do not
//! judge them).
//!
//! - request-to-plaintext latency: from submitting `request_access` until
//!   `ehr fetch` has written the decrypted body (wall clock, median and
//!   p95), and in blocks from the block with the request to the block in
//!   which it became ready (from the patient's audit log);
//! - `create_record` throughput next to `system.remark` transactions of the
//!   same encoded length, in the same run, signed by the same hospital;
//! - sustained records per second one hospital registers.

use codec::Encode;
use ehr_primitives::consortium::{RateLimit, RateLimits};
use ehr_primitives::{umbral_codec, AuditAction, AuditEntry, RecordId, Scope};
use ehr_runtime::{AccountId, BlockNumber, EhrCall, RuntimeCall};
use ehr_test_utils::{
	chain::Chain,
	cli::ehr_binary,
	council::Council,
	ehr::{bytes, grant, register_patient, sealed_kfrags},
	local_network, run_with_timeout,
};
use jsonrpsee::rpc_params;
use sp_core::{sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring;
use std::{
	process::Command,
	time::{Duration, Instant},
};
use umbral_pre::{SecretKey, Signer};

const CHAIN_TIMEOUT: Duration = Duration::from_secs(300);

fn percentile(sorted: &[f64], p: f64) -> f64 {
	let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
	sorted[index.min(sorted.len() - 1)]
}

/// What a burst achieved.
struct Burst {
	/// Transactions per second from the first submission to the block
	/// holding the last one.
	rate: f64,
	/// Seconds that took.
	seconds: f64,
	/// Most of the burst's transactions in one block.
	peak_per_block: usize,
}

/// Signs `calls` from `signer` with consecutive nonces, submits them back to
/// back, and measures until the last is in a block (the signer's on-chain
/// nonce), counting how many landed in each block.
fn burst(chain: &Chain, node: &ehr_test_utils::Node, signer: &sr25519::Pair, calls: Vec<RuntimeCall>) -> Burst {
	let account: AccountId = signer.public().into();
	let nonce_key = {
		let raw: &[u8] = account.as_ref();
		[&sp_crypto_hashing::blake2_128(raw)[..], raw].concat()
	};
	let on_chain_nonce = |chain: &Chain| -> Result<u32, String> {
		let info: Option<(u32, u32, u32, u32)> = chain.storage("System", "Account", &nonce_key)?;
		Ok(info.map_or(0, |(nonce, ..)| nonce))
	};
	let start_nonce = on_chain_nonce(chain).expect("the nonce");
	let first_block = node.best_number().expect("best block");
	let count = calls.len() as u32;
	let start = Instant::now();
	for (i, call) in calls.into_iter().enumerate() {
		chain.submit_with_nonce(signer, call, start_nonce + i as u32).expect("the pool accepts the transaction");
	}
	chain.wait(CHAIN_TIMEOUT, "the burst to be included", |chain| {
		Ok((on_chain_nonce(chain)? >= start_nonce + count).then_some(()))
	});
	let seconds = start.elapsed().as_secs_f64();
	let last_block = node.best_number().expect("best block");
	let mut peak_per_block = 0;
	for number in first_block + 1..=last_block {
		let hash = node.rpc("chain_getBlockHash", rpc_params![number]).expect("block hash");
		let block = node.rpc("chain_getBlock", rpc_params![hash]).expect("block");
		let extrinsics = block["block"]["extrinsics"].as_array().map_or(0, |e| e.len().saturating_sub(1));
		peak_per_block = peak_per_block.max(extrinsics);
	}
	Burst { rate: f64::from(count) / seconds, seconds, peak_per_block }
}

#[test]
#[ignore = "a benchmark: run by scripts/bench"]
fn bench_request_latency_and_record_throughput() {
	let mut net = local_network();
	net.alice.wait_for(CHAIN_TIMEOUT, "blocks", |n| Ok(n.best_number()? >= 2));
	let chain = Chain::connect(&net.alice);
	let alice = Sr25519Keyring::Alice.pair();
	let dir = tempfile::TempDir::with_prefix("ehr-bench-").expect("a temporary folder");
	let ehr = ehr_binary();

	// Proxies, a patient and a clinician whose key file the client uses.
	let proxies = net.proxies_of_a_b_and_c(&chain);
	let clinician_key = dir.path().join("clinician.json");
	let run_ehr = |args: &[&str]| {
		let mut command = Command::new(&ehr);
		command
			.env("EHR_PASSPHRASE", "benchmark passphrase")
			.env("EHR_KEY_FILE", &clinician_key)
			.env("EHR_URL", format!("ws://127.0.0.1:{}", net.bob.rpc_port()))
			.arg("--json")
			.args(args);
		let out = run_with_timeout(&mut command, Duration::from_secs(300), "ehr");
		assert!(out.status.success(), "ehr {args:?} failed: {}", out.stderr);
		serde_json::from_str::<serde_json::Value>(&out.stdout).expect("json")
	};
	run_ehr(&["keys", "new"]);
	let public = run_ehr(&["keys", "show"]);
	let clinician: AccountId =
		sp_core::crypto::Ss58Codec::from_ss58check(public["account"].as_str().expect("account")).expect("ss58");
	let clinician_umbral =
		umbral_codec::decode_public_key(&hex::decode(public["publicKey"].as_str().expect("key")).expect("hex"))
			.expect("key");
	let patient = sr25519::Pair::from_string("//BenchPatient", None).expect("seed");
	let patient_id: AccountId = patient.public().into();
	let (patient_sk, patient_signer) = (SecretKey::random(), Signer::new(SecretKey::random()));
	register_patient(&chain, &alice, &patient, &patient_sk, &patient_signer);
	// The clinician's key file proves its keys (`ehr keys export-public`).
	let exported = run_ehr(&["keys", "export-public"]);
	let provider_proof: [u8; 64] = hex::decode(exported["providerProof"].as_str().expect("a provider proof"))
		.expect("hex")
		.try_into()
		.expect("64 bytes");
	chain
		.submit(
			&Sr25519Keyring::Bob.pair(),
			EhrCall::register_provider {
				provider: clinician.clone(),
				public_key: bytes(public["publicKey"].as_str().map(|k| hex::decode(k).expect("hex")).expect("key")),
				affiliation: Some(Sr25519Keyring::Bob.to_account_id()),
				proof: sp_runtime::MultiSignature::Sr25519(provider_proof.into()),
			},
		)
		.expect("register_provider");

	// A 64 KiB record through the hospital key file of Alice and the client.
	let hospital_key = dir.path().join("hospital.json");
	let mut command = Command::new(&ehr);
	command
		.env("EHR_PASSPHRASE", "benchmark passphrase")
		.env("EHR_KEY_FILE", &hospital_key)
		.env("EHR_ACCOUNT_URI", "//Alice")
		.args(["--json", "keys", "new"]);
	assert!(run_with_timeout(&mut command, Duration::from_secs(60), "ehr keys new").status.success());
	let body_path = dir.path().join("body.bin");
	std::fs::write(&body_path, (0..65536u32).map(|i| (i * 7) as u8).collect::<Vec<u8>>()).expect("body");
	chain.wait(CHAIN_TIMEOUT, "the patient's registration", |c| {
		let info: Option<ehr_primitives::PatientInfo<AccountId>> = c.call("EhrApi_patient", patient_id.clone())?;
		Ok(info.map(|_| ()))
	});
	let mut command = Command::new(&ehr);
	command
		.env("EHR_PASSPHRASE", "benchmark passphrase")
		.env("EHR_KEY_FILE", &hospital_key)
		.env("EHR_URL", format!("ws://127.0.0.1:{}", net.alice.rpc_port()))
		.args(["--json", "record", "add", body_path.to_str().expect("utf-8"), "--patient"])
		.arg(sp_core::crypto::Ss58Codec::to_ss58check(&patient_id));
	let out = run_with_timeout(&mut command, Duration::from_secs(300), "ehr record add");
	assert!(out.status.success(), "record add: {}", out.stderr);
	let record: RecordId =
		serde_json::from_str::<serde_json::Value>(&out.stdout).expect("json")["record"].as_u64().expect("id");

	let kfrags = sealed_kfrags(&patient_sk, &patient_signer, &clinician_umbral, 2, &proxies, None);
	let scope = Scope::Records(vec![record].try_into().expect("one"));
	let grant = grant(&chain, &patient, clinician.clone(), scope, 2, kfrags);

	// Request-to-plaintext: `ehr request`, then `ehr fetch` until the file is written.
	let block_ms = 3000.0;
	// 40 rounds, so that the p95 is not the single slowest round.
	let rounds = 40u64;
	let mut seconds = Vec::new();
	let mut requests = Vec::new();
	for round in 0..rounds {
		let start = Instant::now();
		let request = run_ehr(&["request", &record.to_string(), "--grant", &grant.to_string()])["request"]
			.as_u64()
			.expect("a request id");
		requests.push(request);
		let out_path = dir.path().join(format!("plain-{round}.bin"));
		run_ehr(&[
			"fetch",
			&request.to_string(),
			"-o",
			out_path.to_str().expect("utf-8"),
			"--custodian-url",
			&format!("ws://127.0.0.1:{}", net.alice.rpc_port()),
		]);
		seconds.push(start.elapsed().as_secs_f64());
	}
	let log_len: u32 = chain.call("EhrApi_audit_log_len", patient_id.clone()).expect("log length");
	let mut log: Vec<AuditEntry<AccountId, BlockNumber>> = Vec::new();
	for page in 0..log_len.div_ceil(256) {
		let entries: Vec<AuditEntry<AccountId, BlockNumber>> =
			chain.call("EhrApi_audit_log", (patient_id.clone(), page, 256u32)).expect("log");
		log.extend(entries);
	}
	let mut blocks = Vec::new();
	let mut per_round = Vec::new();
	for (request, took) in requests.iter().zip(&seconds) {
		let at = |action: AuditAction| {
			log.iter().find(|e| e.action == action && e.request == Some(*request)).map(|e| e.block)
		};
		if let (Some(asked), Some(ready)) = (at(AuditAction::AccessRequested), at(AuditAction::RequestReady)) {
			blocks.push(f64::from(ready.saturating_sub(asked)));
			per_round.push(format!("{}+{} ({:.2})", asked, ready.saturating_sub(asked), took * 1000.0 / block_ms));
		}
	}
	println!("  per round, request block + blocks to ready (wall clock in block times): {}", per_round.join(", "));
	seconds.sort_by(|a, b| a.total_cmp(b));
	blocks.sort_by(|a, b| a.total_cmp(b));
	println!("request-to-plaintext, {rounds} requests of a 64 KiB record, 2 of 3 proxies:");
	println!(
		"  wall clock: median {:.2} s ({:.2} block times), p95 {:.2} s ({:.2} block times)",
		percentile(&seconds, 0.5),
		percentile(&seconds, 0.5) * 1000.0 / block_ms,
		percentile(&seconds, 0.95),
		percentile(&seconds, 0.95) * 1000.0 / block_ms
	);
	println!(
		"  blocks from the request's block to the ready block: median {}, p95 {}",
		percentile(&blocks, 0.5),
		percentile(&blocks, 0.95)
	);

	// The default hospital limit (2000 transactions per 20 blocks, 33 per
	// second) would cap the bursts below; the Council raises it by vote, as a
	// consortium expecting this volume would.
	let limits = RateLimits {
		hospital: RateLimit { units: 1_000_000, ..RateLimits::default().hospital },
		..RateLimits::default()
	};
	Council { chain: &chain }.decide(
		RuntimeCall::Consortium(pallet_consortium::Call::set_rate_limits { limits }),
		3,
		Sr25519Keyring::Alice,
		&[Sr25519Keyring::Bob, Sr25519Keyring::Charlie],
	);
	chain.wait(CHAIN_TIMEOUT, "the raised limit", |c| {
		let now: RateLimits = c.call("ConsortiumApi_rate_limits", ())?;
		Ok((now == limits).then_some(()))
	});

	// create_record against system.remark of the same encoded length.
	let count = 2000usize;
	let (capsule, envelope) = umbral_pre::encrypt(&patient_sk.public_key(), &[0x42; 300]).expect("encrypts");
	let record_call = |i: usize| -> RuntimeCall {
		EhrCall::create_record {
			patient: patient_id.clone(),
			capsule: bytes(umbral_codec::encode(&capsule).expect("encodes")),
			encrypted_metadata: bytes(envelope.to_vec()),
			body_hash: H256(sp_crypto_hashing::blake2_256(&(i as u64, "bench").encode())),
			body_size: 4096,
		}
		.into()
	};
	let record_len = record_call(0).encoded_size();
	let remark_len = RuntimeCall::System(frame_system::Call::remark { remark: vec![] }).encoded_size();
	// A remark of L < 16384 bytes encodes as its call index, a two-byte
	// length and the bytes: one byte more than the empty remark's length prefix.
	// Alternate the two kinds twice, so neither always runs on a warmer chain.
	let mut remark_runs = Vec::new();
	let mut record_runs = Vec::new();
	for round in 0..2 {
		let remarks: Vec<RuntimeCall> = (0..count)
			.map(|i| {
				let mut remark = vec![0u8; record_len - remark_len - 1];
				remark[..8].copy_from_slice(&((round * count + i) as u64).to_le_bytes());
				RuntimeCall::System(frame_system::Call::remark { remark })
			})
			.collect();
		assert_eq!(remarks[0].encoded_size(), record_len, "the baseline carries the same bytes");
		remark_runs.push(burst(&chain, &net.alice, &alice, remarks));
		let records: Vec<RuntimeCall> = (round * count..(round + 1) * count).map(record_call).collect();
		record_runs.push(burst(&chain, &net.alice, &alice, records));
	}
	let mean = |runs: &[Burst]| runs.iter().map(|b| b.rate).sum::<f64>() / runs.len() as f64;
	let peak = |runs: &[Burst]| runs.iter().map(|b| b.peak_per_block).max().unwrap_or(0);
	let secs = |runs: &[Burst]| runs.iter().map(|b| format!("{:.1} s", b.seconds)).collect::<Vec<_>>().join(", ");
	println!("throughput, 2 bursts of {count} transactions of {record_len} bytes each from one hospital account:");
	println!(
		"  system.remark (baseline): {:.1} tx/s ({}), at most {} in a block",
		mean(&remark_runs),
		secs(&remark_runs),
		peak(&remark_runs)
	);
	println!(
		"  create_record:            {:.1} tx/s ({}), at most {} in a block: {:.2}x remark",
		mean(&record_runs),
		secs(&record_runs),
		peak(&record_runs),
		mean(&record_runs) / mean(&remark_runs)
	);

	// Sustained registration: records one hospital gets on chain per second over a longer run.
	let sustained = 6000usize;
	let records: Vec<RuntimeCall> = (2 * count..2 * count + sustained).map(record_call).collect();
	let run = burst(&chain, &net.alice, &alice, records);
	println!(
		"sustained: {sustained} records in {:.1} s: {:.1} records/s, at most {} in a block",
		run.seconds, run.rate, run.peak_per_block
	);
}
