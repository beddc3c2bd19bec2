//! Proxy re-encryption throughput, next to its baseline from the same run:
//! a bare `umbral_pre::reencrypt` loop on the same capsule and kfrag.
//!
//! - worker (cached kfrag): what the proxy worker does per request once it
//!   knows the grant: decode the record's capsule, re-encrypt, encode.
//! - worker (first request of a grant): also decrypts the sealed kfrag and
//!   verifies the patient's signature on it.
//!
//! `cargo run --release -p ehr-node-services --example proxy_throughput [ROUNDS]`

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

	let start = Instant::now();
	for _ in 0..rounds {
		let _ = reencrypt(&capsule, kfrag.clone());
	}
	let bare = per_second(rounds, start.elapsed().as_secs_f64());

	let start = Instant::now();
	for _ in 0..rounds {
		kfrags::reencrypt(&capsule_bytes, kfrag.clone()).expect("re-encrypts");
	}
	let cached = per_second(rounds, start.elapsed().as_secs_f64());

	let start = Instant::now();
	for _ in 0..rounds {
		let verified = kfrags::open(&proxy, &sealed, &vk, &pk, &gk).expect("opens the kfrag");
		kfrags::reencrypt(&capsule_bytes, verified).expect("re-encrypts");
	}
	let cold = per_second(rounds, start.elapsed().as_secs_f64());

	println!("proxy re-encryption, {rounds} rounds each:");
	println!("  bare umbral_pre::reencrypt loop        {bare:8.0} /s  (baseline)");
	println!("  worker, cached kfrag                   {cached:8.0} /s  ({:.2}x)", cached / bare);
	println!("  worker, first request of a grant       {cold:8.0} /s  ({:.2}x)", cold / bare);
}
