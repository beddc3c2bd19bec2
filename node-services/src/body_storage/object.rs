//! Body storage in an object store, through the `object_store` crate: an
//! S3-compatible service (AWS S3, Garage, Ceph RGW, MinIO...) in production,
//! any other `ObjectStore` (its in-memory one) in unit tests.
//!
//! - `<prefix>/bodies/<hash>`: the bodies. A body of more than
//!   [`PART_SIZE`] bytes goes up as a multipart upload, which the store
//!   makes visible only when it is completed: a node that dies mid-upload
//!   leaves no half-written object, only parts that the bucket's
//!   abort-incomplete-multipart-upload rule removes (docs/operator.md).
//! - `<prefix>/quarantine/<hash>`: bodies that no longer matched their hash.
//!
//! A body's version is its ETag (its modification time where a store has
//! no ETags). Every read checks that the object it streams is the version
//! that was checked against the hash.

use super::{body_name, parse_body_name, BodyHasher, BodyStorage, BodyVersion, ByteStream, StoredBlob};
use crate::blob_store::BlobError;
use async_trait::async_trait;
use bytes::Bytes;
use futures::{StreamExt, TryStreamExt};
use object_store::{
	aws::AmazonS3Builder, path::Path as ObjectPath, GetOptions, GetRange, ObjectMeta, ObjectStore, RetryConfig,
	WriteMultipart,
};
use sp_core::H256;
use std::{io, path::Path, sync::Arc, time::Duration};
use tokio::io::AsyncReadExt;

/// Size of one part of a multipart upload; bodies up to this size go up in
/// one request.
pub const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts of one body in flight at once.
const PARTS_IN_FLIGHT: usize = 4;

/// Where an S3-compatible object store keeps this node's bodies.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct S3Config {
	/// The bucket.
	pub bucket: String,
	/// The key prefix inside the bucket ("" for none), so that several
	/// nodes or chains can share one bucket.
	pub prefix: String,
	/// The service's URL, for a store other than AWS S3 (Garage, Ceph,
	/// MinIO...); AWS's own endpoint when `None`.
	pub endpoint: Option<String>,
	/// The region (AWS's default or the `AWS_REGION` variable when `None`).
	pub region: Option<String>,
	/// Whether a plain `http://` endpoint is allowed (loopback or a
	/// trusted network only).
	pub allow_http: bool,
}

impl S3Config {
	/// Parses `s3://<bucket>[/<prefix>]` (the other fields unset).
	pub fn from_url(url: &str) -> Result<Self, String> {
		let rest = url
			.strip_prefix("s3://")
			.ok_or_else(|| format!("`{url}` is not an object store location: give s3://<bucket>[/<prefix>]"))?;
		let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
		let valid_bucket = (3..=63).contains(&bucket.len())
			&& bucket.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.');
		if !valid_bucket {
			return Err(format!(
				"`{bucket}` is not an S3 bucket name: 3 to 63 lower-case letters, digits, dots and hyphens"
			));
		}
		let prefix = prefix.trim_matches('/');
		ObjectPath::parse(prefix).map_err(|e| format!("`{prefix}` is not an object key prefix: {e}"))?;
		Ok(S3Config {
			bucket: bucket.to_owned(),
			prefix: prefix.to_owned(),
			endpoint: None,
			region: None,
			allow_http: false,
		})
	}
}

/// Bodies as objects under one prefix of an object store.
pub struct ObjectStorage {
	store: Arc<dyn ObjectStore>,
	bodies: ObjectPath,
	quarantine: ObjectPath,
	describe: String,
}

fn version_of(meta: &ObjectMeta) -> BodyVersion {
	let tag = match &meta.e_tag {
		Some(tag) => tag.clone(),
		None => format!("modified {}", meta.last_modified.to_rfc3339()),
	};
	BodyVersion { size: meta.size, tag }
}

impl ObjectStorage {
	/// Bodies in `store` under `prefix`; `describe` names the store in logs
	/// and errors.
	pub fn new(store: Arc<dyn ObjectStore>, prefix: &str, describe: String) -> Self {
		let root = ObjectPath::from(prefix);
		ObjectStorage { store, bodies: root.child("bodies"), quarantine: root.child("quarantine"), describe }
	}

	/// Bodies in the S3-compatible store `config` names. Credentials come
	/// from the environment, as for AWS's own tools: `AWS_ACCESS_KEY_ID`
	/// and `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`), or the
	/// instance's role on AWS. Nothing is contacted yet.
	pub fn s3(config: &S3Config) -> Result<Self, String> {
		let mut builder = AmazonS3Builder::from_env()
			.with_bucket_name(&config.bucket)
			.with_allow_http(config.allow_http)
			// A few quick retries: a request the store keeps failing is the
			// caller's error to report, not minutes of waiting.
			.with_retry(RetryConfig { max_retries: 3, retry_timeout: Duration::from_secs(30), ..Default::default() });
		if let Some(endpoint) = &config.endpoint {
			builder = builder.with_endpoint(endpoint);
		}
		if let Some(region) = &config.region {
			builder = builder.with_region(region);
		}
		let store = builder.build().map_err(|e| format!("cannot set up the object store: {e}"))?;
		let describe =
			format!("s3://{}/{} at {}", config.bucket, config.prefix, config.endpoint.as_deref().unwrap_or("AWS S3"));
		Ok(Self::new(Arc::new(store), &config.prefix, describe))
	}

	fn location(&self, hash: &H256) -> ObjectPath {
		self.bodies.child(body_name(hash))
	}

	/// `error` of the action `what` as a blob store error.
	fn failed(&self, what: &str, error: object_store::Error) -> BlobError {
		match error {
			object_store::Error::NotFound { .. } => BlobError::NotFound,
			error => BlobError::Storage(format!("{what} in {} failed: {error}", self.describe)),
		}
	}

	async fn upload_parts(&self, writer: &mut WriteMultipart, staged: &Path) -> Result<(), BlobError> {
		let mut file = tokio::fs::File::open(staged).await?;
		loop {
			writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(|e| self.failed("uploading a part", e))?;
			let mut part = Vec::with_capacity(PART_SIZE);
			(&mut file).take(PART_SIZE as u64).read_to_end(&mut part).await?;
			if part.is_empty() {
				return Ok(());
			}
			writer.put(Bytes::from(part));
		}
	}

	async fn count(&self, prefix: &ObjectPath) -> Result<u64, BlobError> {
		let mut listing = self.store.list(Some(prefix));
		let mut count = 0u64;
		while let Some(meta) = listing.next().await {
			meta.map_err(|e| self.failed("listing", e))?;
			count = count.saturating_add(1);
		}
		Ok(count)
	}
}

#[async_trait]
impl BodyStorage for ObjectStorage {
	fn describe(&self) -> String {
		self.describe.clone()
	}

	async fn keep(&self, hash: H256, staged: &Path, size: u64) -> Result<BodyVersion, BlobError> {
		let location = self.location(&hash);
		// A single put answers with the object's ETag, which is the version
		// a later HEAD reports; a completed multipart upload's tag is looked
		// up once below.
		let mut tag = None;
		if size <= PART_SIZE as u64 {
			let bytes = tokio::fs::read(staged).await?;
			let put = self.store.put(&location, bytes.into()).await.map_err(|e| self.failed("storing a body", e))?;
			tag = put.e_tag;
		} else {
			let upload = self.store.put_multipart(&location).await.map_err(|e| self.failed("starting an upload", e))?;
			let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
			if let Err(error) = self.upload_parts(&mut writer, staged).await {
				// Nothing was completed, so nothing is visible; the store
				// drops the parts.
				let _ = writer.abort().await;
				return Err(error);
			}
			writer.finish().await.map_err(|e| self.failed("completing an upload", e))?;
		}
		match tokio::fs::remove_file(staged).await {
			Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error.into()),
			_ => {},
		}
		match tag {
			Some(tag) => Ok(BodyVersion { size, tag }),
			None => self
				.version(&hash)
				.await?
				.ok_or_else(|| BlobError::Storage(format!("{} does not show the body it just stored", self.describe))),
		}
	}

	async fn version(&self, hash: &H256) -> Result<Option<BodyVersion>, BlobError> {
		match self.store.head(&self.location(hash)).await {
			Ok(meta) => Ok(Some(version_of(&meta))),
			Err(object_store::Error::NotFound { .. }) => Ok(None),
			Err(error) => Err(self.failed("looking up a body", error)),
		}
	}

	async fn digest(&self, hash: &H256) -> Result<(H256, BodyVersion), BlobError> {
		let result = match self.store.get(&self.location(hash)).await {
			Ok(result) => result,
			Err(object_store::Error::NotFound { .. }) => return Err(BlobError::NotFound),
			Err(error) => return Err(self.failed("reading a body", error)),
		};
		let version = version_of(&result.meta);
		let mut stream = result.into_stream();
		let mut hasher = BodyHasher::default();
		while let Some(piece) = stream.next().await {
			hasher.update(&piece.map_err(|e| self.failed("reading a body", e))?);
		}
		Ok((hasher.finish(), version))
	}

	async fn read(
		&self,
		hash: &H256,
		version: &BodyVersion,
		offset: u64,
		length: u64,
	) -> Result<ByteStream, BlobError> {
		if length == 0 {
			return Ok(futures::stream::empty().boxed());
		}
		let end = offset.checked_add(length).ok_or(BlobError::PastEnd)?;
		let options = GetOptions { range: Some(GetRange::Bounded(offset..end)), ..Default::default() };
		let result =
			self.store.get_opts(&self.location(hash), options).await.map_err(|e| self.failed("reading a body", e))?;
		// The object may have been replaced since it was checked.
		if version_of(&result.meta) != *version {
			return Err(BlobError::Changed);
		}
		let describe = self.describe.clone();
		Ok(result
			.into_stream()
			.map_err(move |e| io::Error::other(format!("reading a body in {describe} failed: {e}")))
			.boxed())
	}

	async fn remove(&self, hash: &H256) -> Result<(), BlobError> {
		match self.store.delete(&self.location(hash)).await {
			Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
			Err(error) => Err(self.failed("deleting a body", error)),
		}
	}

	async fn quarantine(&self, hash: &H256) -> Result<(), BlobError> {
		let target = self.quarantine.child(body_name(hash));
		self.store.copy(&self.location(hash), &target).await.map_err(|e| self.failed("quarantining a body", e))?;
		self.remove(hash).await
	}

	async fn quarantined(&self) -> Result<u64, BlobError> {
		self.count(&self.quarantine).await
	}

	async fn list(&self) -> Result<Vec<StoredBlob>, BlobError> {
		let mut listing = self.store.list(Some(&self.bodies));
		let mut listed = Vec::new();
		while let Some(meta) = listing.next().await {
			let meta = meta.map_err(|e| self.failed("listing", e))?;
			let Some(hash) = meta.location.filename().and_then(parse_body_name) else { continue };
			listed.push(StoredBlob { hash, size: meta.size, modified: meta.last_modified.into() });
		}
		Ok(listed)
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn object_store_locations_parse() {
		let config = S3Config::from_url("s3://ehr-bodies/hospital-a/").unwrap();
		assert_eq!((config.bucket.as_str(), config.prefix.as_str()), ("ehr-bodies", "hospital-a"));
		assert_eq!(S3Config::from_url("s3://ehr-bodies").unwrap().prefix, "");
		for bad in ["ehr-bodies", "http://x/y", "s3://", "s3://No_Caps", "s3://ab", "s3://b-u-c/a/../b"] {
			assert!(S3Config::from_url(bad).is_err(), "{bad} is refused");
		}
	}
}
