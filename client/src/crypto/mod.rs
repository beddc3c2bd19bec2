//! The person's side of ehr-chain's cryptography, in one place:
//!
//! - [`keyfile`]: the passphrase-encrypted key file (Argon2id and
//!   XChaCha20-Poly1305) holding the account key and the Umbral keys.
//! - [`envelope`]: a record's encrypted body and its Umbral-encrypted
//!   metadata envelope.
//! - [`polkadot_js`]: the account as a polkadot-js JSON account file, for
//!   the polkadot-js extension and apps.
//! - [`source_tag`]: the hospital's keyed tags of imported FHIR resource
//!   versions, kept on chain so an import registers each version once.
//! - kfrags: making and sealing key fragments to the proxies is
//!   `ehr_primitives::kfrags`, shared with the node's proxy worker, the
//!   pallet's mock and benchmarks, and the tests.

pub mod envelope;
pub mod keyfile;
pub mod polkadot_js;
pub mod source_tag;

pub use ehr_primitives::kfrags;
