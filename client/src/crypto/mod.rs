//! The person's side of ehr-chain's cryptography, in one place:
//!
//! - [`keyfile`]: the passphrase-encrypted key file (Argon2id and
//!   XChaCha20-Poly1305) holding the account key and the Umbral keys.
//! - [`envelope`]: a record's encrypted body and its Umbral-encrypted
//!   metadata envelope.
//! - kfrags: making and sealing key fragments to the proxies is
//!   `ehr_primitives::kfrags`, shared with the node's proxy worker, the
//!   pallet's mock and benchmarks, and the tests.

pub mod envelope;
pub mod keyfile;

pub use ehr_primitives::kfrags;
