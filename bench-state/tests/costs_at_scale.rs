//! Issue 17, item 5: what must stay flat as the chain grows, measured at
//! 10k, 100k and 1M records over 100k patients on one database that
//! `ehr-bench-state grow` extends between the rounds (docs/benchmarks.md,
//! "Costs as the chain grows"). Each round prints the harness's in-process
//! figures and, from a development node started on the database, its start
//! time, `ehr_getBlob`'s authorization latency and the database's size;
//! round 0 is a fresh database, the baseline of start time and size. Each
//! round is measured twice: with an empty trie cache (cold) and with the
//! state read into it first (warmed; `EHR_BENCH_TRIE_CACHE_SIZE` sets the
//! cache's size in bytes). After the rounds, a second table gives, per
//! round, one full block of `create_record` and one of same-length remarks
//! (`ehr-bench-state capacity`) and the time to import each in a fresh
//! process (`ehr-bench-state import-block`), next to the weight it is charged.

use ehr_bench_state::{
	fixture,
	measure::{median, WARM_UP},
};
use ehr_node::trie_cache::disk_usage;
use ehr_test_utils::{chain::Chain, ehr::own_proxy, run_with_timeout, Node};
use jsonrpsee::{core::client::ClientT, http_client::HttpClientBuilder, rpc_params};
use serde_json::Value;
use std::{
	path::Path,
	process::Command,
	time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

/// A node started with an empty trie cache (ehr-node warms it in the
/// background by default).
const COLD: &[&str] = &["--ehr-no-trie-cache-warm-up"];

/// A generous bound on growing one step (1M records take the longest).
const GROW_TIMEOUT: Duration = Duration::from_secs(3600);

/// Empties the operating system's page cache (`EHR_BENCH_DROP_CACHES=1`,
/// as root): what a validator's disk reads look like just after a reboot.
fn drop_page_cache() {
	let synced = Command::new("sync").status().map(|status| status.success()).unwrap_or(false);
	assert!(synced, "sync failed before dropping the page cache");
	std::fs::write("/proc/sys/vm/drop_caches", "3")
		.expect("EHR_BENCH_DROP_CACHES=1 needs root (it writes /proc/sys/vm/drop_caches); unset it to skip that row");
}

fn mib(bytes: u64) -> f64 {
	bytes as f64 / 1048576.0
}

fn harness(base: &Path, args: &[String], what: &str) -> String {
	let mut command = Command::new(env!("CARGO_BIN_EXE_ehr-bench-state"));
	command.args(args).args(["--chain", "dev", "--database", "paritydb", "--base-path"]).arg(base);
	let finished = run_with_timeout(&mut command, GROW_TIMEOUT, what);
	assert!(finished.status.success(), "{what} failed:\n{}", ehr_test_utils::tail(&finished.stderr, 30));
	eprint!(
		"{}",
		finished.stderr.lines().filter(|l| l.starts_with("grow:")).map(|l| format!("{l}\n")).collect::<String>()
	);
	finished.stdout
}

/// Starts a development node on `base`; returns it and the seconds until
/// its JSON-RPC server answered `system_health` (polled every 20 ms).
/// `extra` are further node options.
fn start_node(base: &Path, extra: &[&str]) -> (Node, f64) {
	let started = Instant::now();
	let args: Vec<String> = ["--database", "paritydb"].iter().chain(extra).map(|a| a.to_string()).collect();
	let mut node = Node::spawn("alice", "dev", &args, Some(base.to_path_buf()), None);
	while ehr_test_utils::rpc_at(node.rpc_port(), "system_health", rpc_params![]).is_err() {
		node.assert_running();
		assert!(
			started.elapsed() < ehr_test_utils::STARTUP_TIMEOUT,
			"the node did not answer within {:?}",
			ehr_test_utils::STARTUP_TIMEOUT
		);
		std::thread::sleep(Duration::from_millis(20));
	}
	let elapsed = started.elapsed().as_secs_f64();
	node.wait_ready();
	(node, elapsed)
}

/// `samples` signed patient reads of records whose body this node does not
/// hold: each is authorized against the chain (signature, record, patient,
/// custodian) and then answered with 1004; and as many `ehr_status` calls
/// on the same connection. Medians in microseconds.
fn get_blob_latency(node: &Node, patients_with_records: u64, samples: u64) -> (f64, f64) {
	let chain = Chain::connect(node);
	let (hospital, _) = own_proxy(&chain, node, sp_keyring::Sr25519Keyring::Alice);
	let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a tokio runtime");
	runtime.block_on(async {
		let client = HttpClientBuilder::default()
			.build(format!("http://127.0.0.1:{}", node.rpc_port()))
			.expect("a JSON-RPC client");
		let (mut reads, mut status) = (Vec::new(), Vec::new());
		// The first `WARM_UP` reads per sample are not timed (see
		// `ehr_bench_state::measure`); every read is by another patient.
		let warm_up = samples * WARM_UP as u64;
		for k in 0..warm_up + samples {
			let patient = (k * 7919) % patients_with_records;
			let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
			let read = ehr_primitives::access::BlobRead::signed(
				chain.genesis(),
				hospital.clone(),
				None,
				Some(patient),
				0,
				1024,
				now,
				&fixture::patient(patient as u32),
			);
			let started = Instant::now();
			let answer = client.request::<Value, _>("ehr_getBlob", rpc_params![read]).await;
			let read_us = started.elapsed().as_secs_f64() * 1e6;
			let error = answer.expect_err("no body is stored, so the read fails after authorization").to_string();
			assert!(error.contains("1004"), "the read was not authorized: {error}");
			let started = Instant::now();
			client.request::<Value, _>("ehr_status", rpc_params![]).await.expect("ehr_status answers");
			if k >= warm_up {
				reads.push(read_us);
				status.push(started.elapsed().as_secs_f64() * 1e6);
			}
		}
		(median(&mut reads), median(&mut status))
	})
}

#[test]
#[ignore = "benchmark: grows a database to a million records (about 15 minutes on two cores); scripts/bench runs it"]
fn bench_costs_as_the_chain_grows() {
	let sizes: Vec<u64> = std::env::var("EHR_BENCH_RECORDS")
		.unwrap_or_else(|_| "10000,100000,1000000".into())
		.split(',')
		.map(|s| s.trim().parse().expect("EHR_BENCH_RECORDS: record counts separated by commas"))
		.collect();
	let patients: u64 = std::env::var("EHR_BENCH_PATIENTS")
		.map(|s| s.parse().expect("EHR_BENCH_PATIENTS: a number"))
		.unwrap_or(100_000);
	let dir = match std::env::var_os("EHR_BENCH_DIR") {
		Some(parent) => tempfile::TempDir::with_prefix_in("ehr-bench-state-", parent),
		None => tempfile::TempDir::with_prefix("ehr-bench-state-"),
	}
	.expect("a folder for the database");
	let mut dir = dir;
	if std::env::var_os("EHR_BENCH_KEEP").is_some() {
		// For `scripts/benchmark-weights storage`, which measures on it.
		dir.disable_cleanup(true);
		println!("the database stays in {}", dir.path().join("node").display());
	}
	let base = dir.path().join("node");
	let database = base.join("chains").join("ehr_dev").join("paritydb");

	// The warmed rows: the node (and the harness's client) read the whole
	// state into the trie cache before answering (`--warm-up-trie-cache`),
	// as docs/operator.md advises; the cold rows start with an empty cache.
	let mut warmed: Vec<String> = vec!["--warm-up-trie-cache".into(), "blocking".into()];
	if let Ok(bytes) = std::env::var("EHR_BENCH_TRIE_CACHE_SIZE") {
		warmed.extend(["--trie-cache-size".into(), bytes]);
	}
	let warmed: Vec<&str> = warmed.iter().map(String::as_str).collect();

	println!(
		"| records | trie cache | create_record (remark, same bytes) | submit_cfrag (remark) | \
		 recordsOfPatient: 1 (page of 50) | auditLog: 1 (page of 50) | ehr_getBlob (ehr_status) | node start | \
		 node RSS | database |"
	);
	println!("|---|---|---|---|---|---|---|---|---|---|");
	let drop_caches = std::env::var("EHR_BENCH_DROP_CACHES").is_ok_and(|v| v == "1");
	let blocks = dir.path().join("blocks");
	std::fs::create_dir_all(&blocks).expect("a folder for the full blocks");
	let mut block_rows = Vec::new();
	let (mut node, fresh_start) = start_node(&base, COLD);
	node.kill();
	println!("| 0 (fresh) | cold | | | | | | {fresh_start:.2} s | | {:.1} MiB |", mib(disk_usage(&database)));
	for records in sizes {
		harness(
			&base,
			&["grow".into(), "--patients".into(), patients.to_string(), "--records".into(), records.to_string()],
			"growing the database",
		);
		// The first start after growing replays what the harness's last
		// writes left in ParityDB's log; the second is a node's usual start.
		let (mut node, first_start) = start_node(&base, COLD);
		node.kill();
		let (mut node, start) = start_node(&base, COLD);
		let cold_read = get_blob_latency(&node, patients.min(records), 64);
		let cold_rss = node.rss_kib().unwrap_or(0);
		node.kill();
		// With a blocking warm-up the node answers once its cache is full.
		let (mut node, warmed_start) = start_node(&base, &warmed);
		let warmed_read = get_blob_latency(&node, patients.min(records), 64);
		let warmed_rss = node.rss_kib().unwrap_or(0);
		node.kill();
		let database = mib(disk_usage(&database));
		let json = |args: &[&str], what: &str| -> Value {
			let args: Vec<String> = args.iter().copied().map(String::from).collect();
			serde_json::from_str(harness(&base, &args, what).trim()).expect("the harness prints JSON")
		};
		let measure = |extra: &[&str]| -> Value {
			let args: Vec<&str> = std::iter::once("measure").chain(extra.iter().copied()).collect();
			json(&args, "measuring")
		};
		let rows = [
			("cold", measure(&[]), cold_read, format!("{first_start:.2} s, {start:.2} s"), cold_rss),
			("warmed", measure(&warmed), warmed_read, format!("{warmed_start:.2} s with warm-up"), warmed_rss),
		];
		for (cache, figures, (read, status), start, rss) in rows {
			let us = |key: &str| figures[key].as_f64().unwrap_or(f64::NAN);
			println!(
				"| {records} | {cache} | {:.0} µs ({:.0}) | {:.0} µs ({:.0}) | {:.0} µs ({:.0} µs for {:.1}) | \
				 {:.0} µs ({:.0} µs for {:.1}) | {read:.0} µs ({status:.0}) | {start} | {:.0} MiB | {database:.1} MiB |",
				us("createRecordUs"),
				us("remarkLikeCreateRecordUs"),
				us("submitCfragUs"),
				us("remarkLikeSubmitCfragUs"),
				us("recordsOfPatientUs"),
				us("recordsOfPatientPageUs"),
				us("recordsPerPage"),
				us("auditLogUs"),
				us("auditLogPageUs"),
				us("entriesPerPage"),
				rss as f64 / 1024.0,
			);
		}

		// Full blocks on this round's state, each imported in a fresh process.
		let folder = blocks.display().to_string();
		let capacity = json(&["capacity", "--save-blocks", &folder], "filling blocks");
		let [create_record_file, remark_file] = ehr_bench_state::measure::SAVED_BLOCKS;
		// With `EHR_BENCH_DROP_CACHES=1`, first with the page cache emptied
		// too (`None` otherwise); then in a fresh process on a warm page cache.
		let import = |file: &str| {
			let file = blocks.join(file).display().to_string();
			let run = || json(&["import-block", "--block", &file], "importing a full block");
			let from_disk = drop_caches.then(|| {
				drop_page_cache();
				run()
			});
			(from_disk, run())
		};
		block_rows.push((records, capacity, import(create_record_file), import(remark_file)));
	}

	println!();
	println!(
		"| records | full block of | transactions | charged weight | applied one by one | import: empty page \
		 and trie caches | import: empty trie cache | import: warm |"
	);
	println!("|---|---|---|---|---|---|---|---|");
	for (records, capacity, create_record, remark) in block_rows {
		for (kind, key, (from_disk, import)) in
			[("create_record", "createRecord", create_record), ("remark", "remark", remark)]
		{
			let figure = |value: &Value, key: &str| value[key].as_f64().unwrap_or(f64::NAN);
			let from_disk = from_disk.map_or("not measured".into(), |v| format!("{:.0} ms", figure(&v, "coldMs")));
			println!(
				"| {records} | {kind} | {:.0} | {:.0} ms | {:.0} ms | {from_disk} | {:.0} ms | {:.0} ms |",
				figure(&capacity[key], "transactions"),
				figure(&capacity[key], "chargedMs"),
				figure(&capacity[key], "applyMs"),
				figure(&import, "coldMs"),
				figure(&import, "warmMs"),
			);
		}
	}
}
