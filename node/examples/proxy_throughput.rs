//! Proxy re-encryption throughput, next to its baseline from the same run:
//! a bare `umbral_pre::reencrypt` loop on the same capsule and kfrag.
//!
//! - worker (cached kfrag): what the proxy worker does per request once it
//!   knows the grant: decode the record's capsule, re-encrypt, encode.
//! - worker (first request of a grant): also decrypts the sealed kfrag and
//!   verifies the patient's signature on it.
//!
//! `cargo run --release -p ehr-node --example proxy_throughput [ROUNDS]`

use ehr_node::proxy_worker::{open_kfrag, reencrypt_capsule};
use ehr_primitives::umbral_codec::{encode, Sealed};
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
	let kfrag_bytes = encode(&kfrag.clone().unverify()).expect("encodes");
	let (sealed_capsule, ciphertext) = encrypt(&proxy.public_key(), &kfrag_bytes).expect("encrypts");
	let sealed = encode(&Sealed { capsule: sealed_capsule, ciphertext: ciphertext.to_vec() }).expect("encodes");
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
		reencrypt_capsule(&capsule_bytes, kfrag.clone()).expect("re-encrypts");
	}
	let cached = per_second(rounds, start.elapsed().as_secs_f64());

	let start = Instant::now();
	for _ in 0..rounds {
		let verified = open_kfrag(&proxy, &sealed, &vk, &pk, &gk).expect("opens the kfrag");
		reencrypt_capsule(&capsule_bytes, verified).expect("re-encrypts");
	}
	let cold = per_second(rounds, start.elapsed().as_secs_f64());

	println!("proxy re-encryption, {rounds} rounds each:");
	println!("  bare umbral_pre::reencrypt loop        {bare:8.0} /s  (baseline)");
	println!("  worker, cached kfrag                   {cached:8.0} /s  ({:.2}x)", cached / bare);
	println!("  worker, first request of a grant       {cold:8.0} /s  ({:.2}x)", cold / bare);
}
