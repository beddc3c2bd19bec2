//! Native baseline for docs/benchmarks.md: the time to decode and verify one
//! cfrag with `umbral_codec::verify_cfrag`, exactly what `submit_cfrag` does
//! in the runtime. Run by scripts/benchmark-weights next to the runtime
//! benchmark, so both figures come from the same run on the same machine.
//!
//! `cargo run --release -p ehr-primitives --example cfrag_verification [ROUNDS]`

use ehr_primitives::umbral_codec::{encode, verify_cfrag};
use std::time::Instant;
use umbral_pre::{encrypt, generate_kfrags, reencrypt, SecretKey, Signer};

fn main() {
	let rounds: usize = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(200);
	let patient = SecretKey::random();
	let signer = Signer::new(SecretKey::random());
	let grantee = SecretKey::random();
	let (capsule, _) = encrypt(&patient.public_key(), &[0x42; 1024]).expect("encrypts");
	let kfrags = generate_kfrags(&patient, &grantee.public_key(), &signer, 1, 1, true, true);
	let cfrag = encode(&reencrypt(&capsule, kfrags[0].clone()).unverify()).expect("encodes");
	let capsule = encode(&capsule).expect("encodes");
	let verifying = encode(&signer.verifying_key()).expect("encodes");
	let delegating = encode(&patient.public_key()).expect("encodes");
	let receiving = encode(&grantee.public_key()).expect("encodes");

	let mut samples = Vec::with_capacity(rounds);
	for _ in 0..rounds {
		let start = Instant::now();
		verify_cfrag(&cfrag, &capsule, &verifying, &delegating, &receiving).expect("the honest cfrag verifies");
		samples.push(start.elapsed().as_nanos() as f64 / 1000.0);
	}
	samples.sort_by(|a, b| a.total_cmp(b));
	let median = samples[samples.len() / 2];
	let p95 = samples[(samples.len() * 95 / 100).min(samples.len() - 1)];
	println!(
		"native verify_cfrag (decode + verify), {rounds} rounds: median {median:.1} us, p95 {p95:.1} us, min {:.1} us",
		samples[0]
	);
}
