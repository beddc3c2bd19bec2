//! Where a hospital's verified record bodies rest, behind one trait.
//!
//! [`crate::blob_store::BlobStore`] keeps every guarantee (an upload is
//! staged on the node's disk, hashed and only then handed over; a body is
//! checked against its hash before it is served; a body that no longer
//! matches is quarantined, never served or deleted). A [`BodyStorage`] only
//! keeps bytes:
//!
//! - [`file::FileStorage`], the default: a folder beside the chain database.
//! - [`object::ObjectStorage`]: an S3-compatible object store (AWS S3,
//!   Garage, Ceph RGW, MinIO...), for hospitals whose bodies outgrow one disk.
//!   See docs/operator.md, "Where record bodies live".

pub mod file;
pub mod object;

use crate::blob_store::BlobError;
use async_trait::async_trait;
use bytes::Bytes;
use futures::stream::BoxStream;
use sp_core::H256;
use std::{io, path::Path, time::SystemTime};

/// A stored body as it is at one moment: its size and a tag that changes
/// whenever its content may have changed (a file's modification time, an
/// object's ETag). A body checked against its hash at one version is not
/// checked again until its version changes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyVersion {
	/// The body's size in bytes.
	pub size: u64,
	/// The backend's change tag.
	pub tag: String,
}

/// A stored body, as listed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBlob {
	/// Its blake2-256 hash (its name).
	pub hash: H256,
	/// Its size in bytes.
	pub size: u64,
	/// When it was stored.
	pub modified: SystemTime,
}

/// The bytes of a body range, in pieces.
pub type ByteStream = BoxStream<'static, io::Result<Bytes>>;

/// Where verified bodies rest, named by their blake2-256 hash. Errors are
/// [`BlobError`]s: `NotFound` for a missing body, `Changed` when a body is no
/// longer at the version a read asked for, `Storage` or `Io` for the
/// backend's own failures.
#[async_trait]
pub trait BodyStorage: Send + Sync + 'static {
	/// Where the bodies are, for logs and error messages.
	fn describe(&self) -> String;

	/// Takes the upload staged at `staged` (complete, fsynced and checked
	/// against `hash`; `size` bytes) as the body `hash`, and returns the
	/// version it was stored at. Once this returns `Ok` the body is durable
	/// and `staged` is gone; on an error nothing was stored under `hash` and
	/// `staged` is left for a retry.
	async fn keep(&self, hash: H256, staged: &Path, size: u64) -> Result<BodyVersion, BlobError>;

	/// The current version of the body `hash`, or `None` if it is not stored.
	async fn version(&self, hash: &H256) -> Result<Option<BodyVersion>, BlobError>;

	/// The blake2-256 hash of the body `hash`'s content as stored now, and
	/// the version that content has; reads the whole body. Fails with
	/// `NotFound` if the body is not stored.
	async fn digest(&self, hash: &H256) -> Result<(H256, BodyVersion), BlobError>;

	/// Streams `length` bytes at `offset` of the body `hash`, which must
	/// still be at `version` (else `Changed`); the range lies within it.
	async fn read(&self, hash: &H256, version: &BodyVersion, offset: u64, length: u64)
		-> Result<ByteStream, BlobError>;

	/// Deletes the body `hash`; deleting a missing body is not an error.
	async fn remove(&self, hash: &H256) -> Result<(), BlobError>;

	/// Moves the body `hash` aside for the operator: it is no longer
	/// served or listed, and not deleted.
	async fn quarantine(&self, hash: &H256) -> Result<(), BlobError>;

	/// How many bodies are in quarantine.
	async fn quarantined(&self) -> Result<u64, BlobError>;

	/// Every stored body.
	async fn list(&self) -> Result<Vec<StoredBlob>, BlobError>;
}

/// The file or object name of the body `hash`: 64 hex digits.
pub fn body_name(hash: &H256) -> String {
	hex::encode(hash.as_bytes())
}

/// The body hash a file or object is named for, if the name is one.
pub fn parse_body_name(name: &str) -> Option<H256> {
	let bytes = hex::decode(name).ok()?;
	(bytes.len() == 32).then(|| H256::from_slice(&bytes))
}

/// An incremental blake2-256, the hash bodies are named by.
pub struct BodyHasher(blake2b_simd::State);

impl Default for BodyHasher {
	fn default() -> Self {
		BodyHasher(blake2b_simd::Params::new().hash_length(32).to_state())
	}
}

impl BodyHasher {
	/// Adds `bytes`.
	pub fn update(&mut self, bytes: &[u8]) {
		self.0.update(bytes);
	}

	/// The hash of everything added.
	pub fn finish(&self) -> H256 {
		H256::from_slice(self.0.finalize().as_bytes())
	}
}

/// blake2-256 of everything `reader` yields, read in 1 MiB pieces.
pub fn hash_reader(mut reader: impl io::Read) -> io::Result<H256> {
	let mut hasher = BodyHasher::default();
	let mut buffer = vec![0u8; 1 << 20];
	loop {
		let read = reader.read(&mut buffer)?;
		if read == 0 {
			return Ok(hasher.finish());
		}
		hasher.update(&buffer[..read]);
	}
}
