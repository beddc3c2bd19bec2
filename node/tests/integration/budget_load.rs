//! Benchmark (run by scripts/bench; ignored by `cargo test`): honest
//! patients' transactions on the four-hospital network, alone and beside 20
//! hostile patients who spend their whole budget on the largest
//! transactions they may send (docs/admission.md) and also try what they may
//! not. Reports the honest transactions' submission-to-inclusion latency
//! (median, p95) and the blocks' sizes in both runs.

use ehr_primitives::{consortium::admission_error, PatientInfo};
use ehr_runtime::{AccountId, EhrCall, RuntimeCall};
use ehr_test_utils::{chain::Chain, ehr::register_patient, local_network, Node};
use jsonrpsee::rpc_params;
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use std::{
	collections::BTreeMap,
	sync::{
		atomic::{AtomicBool, AtomicU64, Ordering},
		Arc,
	},
	thread,
	time::{Duration, Instant},
};
use umbral_pre::{SecretKey, Signer};

const HOSTILE: usize = 20;
const HONEST: usize = 5;
/// How long each run's honest traffic lasts.
const RUN: Duration = Duration::from_secs(60);
/// A honest patient's transaction every this often.
const HONEST_EVERY: Duration = Duration::from_secs(3);
const CHAIN_TIMEOUT: Duration = Duration::from_secs(120);

fn percentile(sorted: &[f64], p: f64) -> f64 {
	let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
	sorted[index.min(sorted.len() - 1)]
}

/// The largest transaction a patient may send: `rekey_records` of 16
/// records with full envelopes (about 34 KiB; the records need not exist,
/// the call fails in dispatch after it took its block space and budget).
fn largest_patient_call(seed: u8) -> RuntimeCall {
	let records: Vec<_> = (0..16u64)
		.map(|id| {
			(
				id,
				vec![seed; 101].try_into().expect("fits"),
				vec![seed; ehr_primitives::MAX_ENCRYPTED_METADATA_LEN as usize].try_into().expect("fits"),
			)
		})
		.collect();
	RuntimeCall::Ehr(EhrCall::rekey_records { records: records.try_into().expect("sixteen") })
}

/// When each extrinsic (by hash) was first seen in a block.
type Seen = Arc<std::sync::Mutex<BTreeMap<String, Instant>>>;
/// The encoded size of each block's extrinsics.
type Sizes = Arc<std::sync::Mutex<Vec<usize>>>;

/// Watches `node`'s new best blocks and notes when each extrinsic (by hash)
/// was first seen in one, and each block's encoded size.
struct Inclusions {
	seen: Seen,
	sizes: Sizes,
	stop: Arc<AtomicBool>,
	thread: Option<thread::JoinHandle<()>>,
}

impl Inclusions {
	fn watch(node: &Node) -> Inclusions {
		let (seen, sizes, stop) = (Arc::default(), Arc::default(), Arc::new(AtomicBool::new(false)));
		let port = node.rpc_port();
		let thread = {
			let (seen, sizes, stop): (Seen, Sizes, Arc<AtomicBool>) =
				(Arc::clone(&seen), Arc::clone(&sizes), Arc::clone(&stop));
			thread::spawn(move || {
				let mut last = None;
				while !stop.load(Ordering::Relaxed) {
					if let Ok(block) = ehr_test_utils::rpc_at(port, "chain_getBlock", rpc_params![]) {
						let number = block["block"]["header"]["number"].as_str().map(str::to_owned);
						if number != last {
							last = number;
							let now = Instant::now();
							let extrinsics = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
							let mut size = 0;
							for x in extrinsics.iter().filter_map(|x| x.as_str()) {
								let bytes = hex::decode(x.trim_start_matches("0x")).unwrap_or_default();
								size += bytes.len();
								let hash = format!("0x{}", hex::encode(sp_crypto_hashing::blake2_256(&bytes)));
								seen.lock().expect("not poisoned").entry(hash).or_insert(now);
							}
							sizes.lock().expect("not poisoned").push(size);
						}
					}
					thread::sleep(Duration::from_millis(100));
				}
			})
		};
		Inclusions { seen, sizes, stop, thread: Some(thread) }
	}

	fn stop(mut self) -> (BTreeMap<String, Instant>, Vec<usize>) {
		self.stop.store(true, Ordering::Relaxed);
		if let Some(thread) = self.thread.take() {
			let _ = thread.join();
		}
		let seen = self.seen.lock().expect("not poisoned").clone();
		let sizes = self.sizes.lock().expect("not poisoned").clone();
		(seen, sizes)
	}
}

/// One run: the honest patients each submit a cheap call every
/// [`HONEST_EVERY`] for [`RUN`]; returns the latencies in seconds (sorted)
/// and the sizes of the blocks seen.
fn honest_run(node: &Node, honest: &[sr25519::Pair]) -> (Vec<f64>, Vec<usize>) {
	let chain = Chain::connect(node);
	let watch = Inclusions::watch(node);
	let mut submitted = Vec::new();
	let start = Instant::now();
	let mut round = 0u64;
	while start.elapsed() < RUN {
		for (i, patient) in honest.iter().enumerate() {
			let call = RuntimeCall::Ehr(EhrCall::revoke { grant: 1_000_000 + round * 10 + i as u64 });
			match chain.submit(patient, call) {
				Ok(hash) => submitted.push((hash.trim_matches('"').to_owned(), Instant::now())),
				Err(e) => eprintln!("[budget-load] an honest transaction was refused: {e}"),
			}
		}
		round += 1;
		thread::sleep((HONEST_EVERY * round as u32).saturating_sub(start.elapsed()));
	}
	// Time for the last ones to be included.
	thread::sleep(Duration::from_secs(9));
	let (seen, sizes) = watch.stop();
	let mut latencies: Vec<f64> = submitted
		.iter()
		.map(|(hash, at)| seen.get(hash).map_or(f64::INFINITY, |included| included.duration_since(*at).as_secs_f64()))
		.collect();
	latencies.sort_by(|a, b| a.total_cmp(b));
	(latencies, sizes)
}

#[test]
#[ignore = "a benchmark: run by scripts/bench"]
fn bench_honest_latency_beside_hostile_budgets() {
	let net = local_network();
	net.alice.wait_for_blocks(2);
	let chain = Chain::connect(&net.alice);
	let alice = Sr25519Keyring::Alice.pair();
	let pair = |seed: String| sr25519::Pair::from_string(&seed, None).expect("a dev seed");
	let hostile: Vec<sr25519::Pair> = (0..HOSTILE).map(|i| pair(format!("//Hostile{i}"))).collect();
	let honest: Vec<sr25519::Pair> = (0..HONEST).map(|i| pair(format!("//Honest{i}"))).collect();
	for patient in hostile.iter().chain(&honest) {
		register_patient(&chain, &alice, patient, &SecretKey::random(), &Signer::new(SecretKey::random()));
	}
	for patient in hostile.iter().chain(&honest) {
		let id: AccountId = patient.public().into();
		chain.wait(CHAIN_TIMEOUT, "the patients' registration", |c| {
			Ok(c.call::<Option<PatientInfo<AccountId>>>("EhrApi_patient", id.clone())?.map(|_| ()))
		});
	}

	let (alone, alone_sizes) = honest_run(&net.bob, &honest);

	// The hostile patients: each sends its largest admitted transaction as
	// fast as the pool takes it, to every node, and a 3.5 MB remark now and
	// then; every refusal is counted by its code.
	let stop = Arc::new(AtomicBool::new(false));
	let (admitted, refused_not_admitted, refused_budget) =
		(Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
	let mut attackers = Vec::new();
	for (i, patient) in hostile.iter().enumerate() {
		let patient = patient.clone();
		let ports: Vec<u16> = net.nodes().iter().map(|n| n.rpc_port()).collect();
		let (stop, admitted, not_admitted, budget) =
			(stop.clone(), admitted.clone(), refused_not_admitted.clone(), refused_budget.clone());
		attackers.push(thread::spawn(move || {
			let call = largest_patient_call(i as u8);
			let remark = RuntimeCall::System(frame_system::Call::remark { remark: vec![0; 3_500_000] });
			let account: AccountId = patient.public().into();
			let mut round = 0u64;
			while !stop.load(Ordering::Relaxed) {
				round += 1;
				let port = ports[(round as usize + i) % ports.len()];
				let nonce = ehr_test_utils::rpc_at(
					port,
					"system_accountNextIndex",
					rpc_params![sp_core::crypto::Ss58Codec::to_ss58check(&account)],
				)
				.ok()
				.and_then(|n| n.as_u64())
				.unwrap_or(0) as u32;
				let call = if round.is_multiple_of(10) { remark.clone() } else { call.clone() };
				let result = ehr_test_utils::chain::context_at(port)
					.and_then(|context| ehr_test_utils::chain::submit_at(port, &context, &patient, call, nonce));
				match result {
					Ok(_) => admitted.fetch_add(1, Ordering::Relaxed),
					Err(e) if e.contains(&format!("Custom error: {}", admission_error::CALL_NOT_ADMITTED)) => {
						not_admitted.fetch_add(1, Ordering::Relaxed)
					},
					Err(_) => budget.fetch_add(1, Ordering::Relaxed),
				};
				thread::sleep(Duration::from_millis(200));
			}
		}));
	}
	let (beside, beside_sizes) = honest_run(&net.bob, &honest);
	stop.store(true, Ordering::Relaxed);
	for attacker in attackers {
		let _ = attacker.join();
	}

	let report = |name: &str, latencies: &[f64], sizes: &[usize]| {
		let mut sorted = sizes.to_vec();
		sorted.sort_unstable();
		let largest = sorted.last().copied().unwrap_or(0);
		let mean = sorted.iter().sum::<usize>() as f64 / sorted.len().max(1) as f64;
		println!(
			"  {name}: {} honest transactions, inclusion median {:.2} s, p95 {:.2} s; blocks: mean {:.1} KiB, largest {:.1} KiB ({} blocks)",
			latencies.len(),
			percentile(latencies, 0.5),
			percentile(latencies, 0.95),
			mean / 1024.0,
			largest as f64 / 1024.0,
			sorted.len()
		);
	};
	println!("honest latency beside {HOSTILE} hostile patients at their budgets ({HONEST} honest patients, one transaction each every {HONEST_EVERY:?}, {RUN:?} a run):");
	report("alone", &alone, &alone_sizes);
	report("beside the hostile", &beside, &beside_sizes);
	println!(
		"  hostile submissions: {} admitted, {} refused as calls a patient may not make, {} refused by the budget",
		admitted.load(Ordering::Relaxed),
		refused_not_admitted.load(Ordering::Relaxed),
		refused_budget.load(Ordering::Relaxed)
	);
	let ratio = percentile(&beside, 0.95) / percentile(&alone, 0.95);
	println!("  honest p95 beside the hostile: {ratio:.2}x alone (goal: at most 1.5x)");
	assert!(beside.iter().all(|l| l.is_finite()), "an honest transaction was never included beside the hostile ones");
}
