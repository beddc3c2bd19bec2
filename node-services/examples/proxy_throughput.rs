//! Proxy re-encryption throughput, next to its baseline from the same run:
//! a bare `umbral_pre::reencrypt` loop on the same capsule and kfrag.
//!
//! - worker (kfrag and capsule cached): what the proxy worker does per
//!   request once it knows the grant and the record: look the decoded
//!   capsule up in its `CapsuleCache`, re-encrypt, encode the cfrag.
//! - worker (kfrag cached, capsule decoded): the first request for a record,
//!   which decodes (and so checks) the capsule.
//! - worker (first request of a grant): also decrypts the sealed kfrag and
//!   verifies the patient's signature on it.
//! - the bare loop plus umbral-pre's own encoding of each cfrag
//!   (`to_bytes_simple`): a second reference, which shows what encoding a cfrag
//!   costs in umbral-pre itself (it compresses every curve point, one field
//!   inversion each), whatever the format (docs/benchmarks.md, "Proxy
//!   worker re-encryption throughput").
//!
//! `cargo run --release -p ehr-node-services --example proxy_throughput [ROUNDS]`

use ehr_node_services::proxy_worker::CapsuleCache;
use ehr_primitives::{kfrags, umbral_codec::encode};
use std::time::Instant;
use umbral_pre::{encrypt, generate_kfrags, reencrypt, SecretKey, Signer};

fn per_second(rounds: usize, seconds: f64) -> f64 {
	rounds as f64 / seconds
}

fn main() {
	let rounds: usize = std::env::args().nth(1).and_then(|r| r.parse().ok()).unwrap_or(500);
	let patient = SecretKey::random();
	let signer = Signer::new(SecretKey::random());
	let grantee = SecretKey::random();
	let proxy = SecretKey::random();
	let (capsule, _) = encrypt(&patient.public_key(), b"metadata envelope").expect("encrypts");
	let kfrag = generate_kfrags(&patient, &grantee.public_key(), &signer, 2, 3, true, true)[0].clone();
	let sealed = kfrags::seal_with_rng(&mut rand_core::OsRng, &kfrag, &proxy.public_key()).expect("seals").sealed;
	let capsule_bytes = encode(&capsule).expect("encodes");
	let (vk, pk, gk) = (
		encode(&signer.verifying_key()).expect("encodes"),
		encode(&patient.public_key()).expect("encodes"),
		encode(&grantee.public_key()).expect("encodes"),
	);

	let cache = CapsuleCache::default();
	cache.get(&capsule_bytes).expect("decodes");
	// The paths take turns, in batches of a tenth of the rounds, so that a
	// change in the machine's speed during the run touches all of them alike.
	let mut seconds = [0f64; 5];
	let batch = (rounds / 10).max(1);
	for _ in 0..rounds.div_ceil(batch) {
		let start = Instant::now();
		for _ in 0..batch {
			let _ = reencrypt(&capsule, kfrag.clone());
		}
		seconds[0] += start.elapsed().as_secs_f64();

		let start = Instant::now();
		for _ in 0..batch {
			let capsule = cache.get(&capsule_bytes).expect("cached");
			kfrags::reencrypt_decoded(&capsule, kfrag.clone()).expect("re-encrypts");
		}
		seconds[1] += start.elapsed().as_secs_f64();

		let start = Instant::now();
		for _ in 0..batch {
			kfrags::reencrypt(&capsule_bytes, kfrag.clone()).expect("re-encrypts");
		}
		seconds[2] += start.elapsed().as_secs_f64();

		let start = Instant::now();
		for _ in 0..batch {
			let verified = kfrags::open(&proxy, &sealed, &vk, &pk, &gk).expect("opens the kfrag");
			kfrags::reencrypt(&capsule_bytes, verified).expect("re-encrypts");
		}
		seconds[3] += start.elapsed().as_secs_f64();

		let start = Instant::now();
		for _ in 0..batch {
			let _ = reencrypt(&capsule, kfrag.clone()).to_bytes_simple();
		}
		seconds[4] += start.elapsed().as_secs_f64();
	}
	let done = rounds.div_ceil(batch) * batch;
	let [bare, warm, cached, cold, encoded] = seconds.map(|s| per_second(done, s));

	println!("proxy re-encryption, {done} rounds each, interleaved:");
	println!("  bare umbral_pre::reencrypt loop        {bare:8.0} /s  (baseline)");
	println!("  worker, kfrag and capsule cached       {warm:8.0} /s  ({:.2}x)", warm / bare);
	println!("  worker, kfrag cached, capsule decoded  {cached:8.0} /s  ({:.2}x)", cached / bare);
	println!("  worker, first request of a grant       {cold:8.0} /s  ({:.2}x)", cold / bare);
	println!(
		"  bare loop + umbral's to_bytes_simple   {encoded:8.0} /s  ({:.2}x; the cached worker is {:.2}x of this)",
		encoded / bare,
		warm / encoded
	);
}
