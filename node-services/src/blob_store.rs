//! The hospital's blob store: the encrypted bodies of the records this
//! hospital holds as custodian, content-addressed by the blake2-256 hash the
//! record carries on chain. The bytes rest in a [`BodyStorage`] (files by
//! default, or an S3-compatible object store); this store keeps the same
//! guarantees over either:
//!
//! - Uploads arrive in chunks, appended in order to `uploads/<hash>.part` on
//!   the node's disk. When the last byte arrives the file is fsynced and
//!   hashed; only a file whose hash matches is handed to the storage, and
//!   the upload is acknowledged only once the storage holds it durably. A
//!   crash therefore never leaves a half-written body that could be
//!   served: a body either is complete and verified or does not exist.
//! - Reads are by range, so no body has to fit in memory or one message.
//!   A body's whole content is checked against its hash before its first
//!   read in this process and again whenever its version (size and
//!   modification time, or ETag) changes (see docs/rpc.md).
//! - A body whose content no longer matches its hash (disk fault,
//!   tampering) is never served and never silently deleted: it is moved to
//!   quarantine for the operator, counted ([`BlobStore::quarantined`], the
//!   `ehr_blobs_quarantined` metric, `ehr_status`) and logged.

use crate::{
	body_storage::{body_name, file::FileStorage, hash_reader, parse_body_name, BodyStorage, BodyVersion, ByteStream},
	files::sync_dir,
};
use futures::TryStreamExt;
use parking_lot::Mutex;
use sp_core::H256;
use std::{
	collections::HashMap,
	fs::{self, File, OpenOptions},
	io::{self, Write},
	path::{Path, PathBuf},
	sync::{
		atomic::{AtomicU64, Ordering},
		Arc,
	},
	time::SystemTime,
};

pub use crate::body_storage::StoredBlob;

/// Largest range one read returns.
pub const MAX_READ_CHUNK: u32 = 4 * 1024 * 1024;

/// Why a blob store operation failed.
#[derive(Debug)]
pub enum BlobError {
	/// The body is larger than this node accepts.
	TooLarge {
		/// The announced size.
		size: u64,
		/// The limit.
		max: u64,
	},
	/// A chunk did not start where the upload stands; resume at `expected`.
	WrongOffset {
		/// Where the upload stands.
		expected: u64,
	},
	/// A chunk would go past the announced total size.
	PastEnd,
	/// The uploaded bytes do not hash to the announced body hash; the upload was discarded.
	HashMismatch,
	/// No complete blob has this hash.
	NotFound,
	/// The stored blob no longer matches its hash; it was moved to quarantine.
	Corrupt,
	/// The stored body changed while it was being read.
	Changed,
	/// The requested range starts past the end of the blob.
	RangeOutOfBounds {
		/// The body's size.
		size: u64,
	},
	/// The body storage (an object store) failed; the sentence says what.
	Storage(String),
	/// A file system error.
	Io(io::Error),
}

impl From<io::Error> for BlobError {
	fn from(error: io::Error) -> Self {
		BlobError::Io(error)
	}
}

impl std::fmt::Display for BlobError {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		match self {
			BlobError::TooLarge { size, max } => {
				write!(f, "the body is {size} bytes but this node accepts at most {max} (--ehr-blob-max-bytes)")
			},
			BlobError::WrongOffset { expected } => {
				write!(f, "the upload stands at byte {expected}: resend from that offset")
			},
			BlobError::PastEnd => write!(f, "the chunk goes past the announced total size"),
			BlobError::HashMismatch => write!(
				f,
				"the uploaded bytes do not hash to the announced body hash; the upload was discarded, start again"
			),
			BlobError::NotFound => write!(f, "this node holds no body with that hash"),
			BlobError::Corrupt => write!(
				f,
				"the stored body no longer matches its hash; the node quarantined it, and its operator must restore it \
				 from the hospital's records"
			),
			BlobError::Changed => write!(f, "the stored body changed while it was read; read it again"),
			BlobError::RangeOutOfBounds { size } => {
				write!(f, "the range starts past the end of the body ({size} bytes)")
			},
			BlobError::Storage(what) => {
				write!(f, "{what}; the upload stays staged on the node: send its last chunk again to retry")
			},
			BlobError::Io(error) => write!(f, "blob store I/O error: {error}"),
		}
	}
}

/// Where an upload stands after a chunk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutProgress {
	/// More bytes are expected, starting at this offset.
	Partial {
		/// The offset of the next chunk.
		next_offset: u64,
	},
	/// The body is complete, verified and stored.
	Complete,
}

/// The blob store of one node.
pub struct BlobStore {
	storage: Arc<dyn BodyStorage>,
	/// Unfinished uploads, always on the node's own disk.
	uploads: PathBuf,
	max_size: u64,
	/// Bodies whose content was checked against their hash, at the version
	/// they had then.
	verified: Mutex<HashMap<H256, BodyVersion>>,
	/// One lock per body being written or removed, so two uploads of the
	/// same body cannot interleave while others go on.
	writers: Mutex<HashMap<H256, Arc<tokio::sync::Mutex<()>>>>,
	/// The number of complete blobs and their bytes, counted once at open
	/// and kept up to date by every write and removal.
	totals: Mutex<(u64, u64)>,
	/// Bodies in quarantine, counted once at open and on each quarantining.
	quarantined: AtomicU64,
}

/// Runs file work on a blocking thread, off the async executor.
pub(crate) async fn blocking<T: Send + 'static>(
	work: impl FnOnce() -> Result<T, BlobError> + Send + 'static,
) -> Result<T, BlobError> {
	tokio::task::spawn_blocking(work)
		.await
		.map_err(|error| BlobError::Io(io::Error::other(format!("a blob store task failed: {error}"))))?
}

/// Appends `data` at `offset` to the staged upload `part` of a body of
/// `total` bytes; returns where the upload then stands (`total` at once
/// if it is complete already).
fn append(part: &Path, total: u64, offset: u64, data: &[u8]) -> Result<u64, BlobError> {
	let mut file = OpenOptions::new().create(true).append(true).open(part)?;
	let current = file.metadata()?.len();
	// Complete already (the storage failed to take it): any chunk sent
	// again retries the hand-over; the hash check still decides.
	if current == total {
		return Ok(total);
	}
	if current != offset {
		return Err(BlobError::WrongOffset { expected: current });
	}
	let end = offset.checked_add(data.len() as u64).ok_or(BlobError::PastEnd)?;
	if end > total {
		return Err(BlobError::PastEnd);
	}
	file.write_all(data)?;
	if end == total {
		file.sync_all()?;
	}
	Ok(end)
}

impl BlobStore {
	/// Opens the store with its bodies in files under `root` (the
	/// default storage), accepting bodies of at most `max_size` bytes.
	pub async fn open(root: &Path, max_size: u64) -> Result<Self, BlobError> {
		Self::open_with(root, max_size, Arc::new(FileStorage::open(root)?)).await
	}

	/// Opens the store with its bodies in `storage` and its unfinished
	/// uploads under `root/uploads`, accepting bodies of at most `max_size`
	/// bytes. Lists the storage once, so an unreachable object store fails
	/// here.
	pub async fn open_with(root: &Path, max_size: u64, storage: Arc<dyn BodyStorage>) -> Result<Self, BlobError> {
		let uploads = root.join("uploads");
		fs::create_dir_all(&uploads)?;
		let existing = storage.list().await?;
		let quarantined = storage.quarantined().await?;
		Ok(BlobStore {
			storage,
			uploads,
			max_size,
			verified: Mutex::new(HashMap::new()),
			writers: Mutex::new(HashMap::new()),
			totals: Mutex::new((existing.len() as u64, existing.iter().map(|b| b.size).sum())),
			quarantined: AtomicU64::new(quarantined),
		})
	}

	/// Where the bodies rest, for logs.
	pub fn describe(&self) -> String {
		self.storage.describe()
	}

	/// Counts a blob of `size` bytes that left the store.
	fn forget(&self, size: u64) {
		let mut totals = self.totals.lock();
		*totals = (totals.0.saturating_sub(1), totals.1.saturating_sub(size));
	}

	/// The largest body this store accepts.
	pub fn max_size(&self) -> u64 {
		self.max_size
	}

	fn upload_path(&self, hash: &H256) -> PathBuf {
		self.uploads.join(format!("{}.part", body_name(hash)))
	}

	/// Holds the write lock of the body `hash`.
	async fn lock(&self, hash: H256) -> tokio::sync::OwnedMutexGuard<()> {
		let lock = self.writers.lock().entry(hash).or_default().clone();
		lock.lock_owned().await
	}

	/// Drops the locks no one holds or waits for.
	fn unlock(&self, guard: tokio::sync::OwnedMutexGuard<()>) {
		drop(guard);
		self.writers.lock().retain(|_, lock| Arc::strong_count(lock) > 1);
	}

	/// Appends `data` at `offset` to the upload of the body `hash` of
	/// `total_size` bytes; completes the body when the last byte arrives.
	/// Uploading a body that is already stored completes at once.
	///
	/// Fails with `TooLarge`, `WrongOffset` (resume where it says),
	/// `PastEnd`, `HashMismatch` (the upload is discarded), or `Storage`
	/// when the storage could not take the verified body (the upload stays
	/// staged: sending any chunk of it again retries).
	pub async fn put_chunk(
		&self,
		hash: H256,
		total_size: u64,
		offset: u64,
		data: Vec<u8>,
	) -> Result<PutProgress, BlobError> {
		if total_size > self.max_size {
			return Err(BlobError::TooLarge { size: total_size, max: self.max_size });
		}
		let guard = self.lock(hash).await;
		let result = self.put_locked(hash, total_size, offset, data).await;
		self.unlock(guard);
		result
	}

	async fn put_locked(&self, hash: H256, total: u64, offset: u64, data: Vec<u8>) -> Result<PutProgress, BlobError> {
		let part = self.upload_path(&hash);
		if !part.exists() && self.storage.version(&hash).await?.is_some() {
			return Ok(PutProgress::Complete);
		}
		let staged = part.clone();
		let end = blocking(move || append(&staged, total, offset, &data)).await?;
		if end < total {
			return Ok(PutProgress::Partial { next_offset: end });
		}
		let staged = part.clone();
		if blocking(move || Ok(hash_reader(File::open(&staged)?)?)).await? != hash {
			let _ = fs::remove_file(&part);
			return Err(BlobError::HashMismatch);
		}
		let version = self.storage.keep(hash, &part, total).await?;
		let _ = sync_dir(&self.uploads);
		{
			let mut totals = self.totals.lock();
			*totals = (totals.0.saturating_add(1), totals.1.saturating_add(total));
		}
		self.verified.lock().insert(hash, version);
		Ok(PutProgress::Complete)
	}

	/// The size of the stored body `hash`, if it is stored.
	pub async fn size(&self, hash: &H256) -> Option<u64> {
		self.storage.version(hash).await.ok().flatten().map(|version| version.size)
	}

	/// Checks the body's content against its hash unless it was checked in
	/// this process at its current version; returns that version. Fails
	/// with `NotFound`, or `Corrupt` after moving the body to quarantine.
	async fn check(&self, hash: &H256) -> Result<BodyVersion, BlobError> {
		// A body checked before costs one version lookup; one never checked
		// goes straight to the full read (which also says if it is missing).
		let checked = self.verified.lock().get(hash).cloned();
		if let Some(checked) = checked {
			let current = self.storage.version(hash).await?.ok_or(BlobError::NotFound)?;
			if current == checked {
				return Ok(current);
			}
		}
		let (digest, version) = self.storage.digest(hash).await?;
		if digest != *hash {
			self.verified.lock().remove(hash);
			let guard = self.lock(*hash).await;
			let moved = self.storage.quarantine(hash).await;
			self.unlock(guard);
			if moved.is_ok() {
				self.forget(version.size);
				self.quarantined.fetch_add(1, Ordering::Relaxed);
				log::error!(
					target: "ehr-blobs",
					"body {hash:?} no longer matches its hash: moved to quarantine in {} for the operator",
					self.storage.describe()
				);
			}
			return Err(BlobError::Corrupt);
		}
		self.verified.lock().insert(*hash, version.clone());
		Ok(version)
	}

	/// The size of the stored body `hash`, after checking it against its
	/// hash (a body checked before at its current version is not read
	/// again). Fails with `NotFound` or `Corrupt` (the body is then
	/// quarantined).
	pub async fn verified_size(&self, hash: &H256) -> Result<u64, BlobError> {
		let cached = self.verified.lock().get(hash).cloned();
		match cached {
			Some(version) => Ok(version.size),
			None => Ok(self.check(hash).await?.size),
		}
	}

	/// Streams `length` bytes at `offset` of the body `hash`, which lie
	/// within it, from content checked against its hash: what the HTTP body
	/// server sends, so a body is never loaded into memory whole. A body
	/// replaced since its check is checked again first. Fails with
	/// `NotFound`, `Corrupt` (quarantined) or the storage's error.
	pub async fn stream(&self, hash: &H256, offset: u64, length: u64) -> Result<ByteStream, BlobError> {
		let cached = self.verified.lock().get(hash).cloned();
		let version = match cached {
			Some(version) => version,
			None => self.check(hash).await?,
		};
		match self.storage.read(hash, &version, offset, length).await {
			Err(BlobError::Changed) | Err(BlobError::NotFound) => {
				self.verified.lock().remove(hash);
				let version = self.check(hash).await?;
				self.storage.read(hash, &version, offset, length).await
			},
			result => result,
		}
	}

	/// Reads at most `length` bytes (capped at [`MAX_READ_CHUNK`]) at
	/// `offset` of the body `hash`, after checking it against its hash.
	/// Returns the bytes and the body's total size. Fails as
	/// [`Self::stream`] does, or with `RangeOutOfBounds`.
	pub async fn read_range(&self, hash: &H256, offset: u64, length: u32) -> Result<(Vec<u8>, u64), BlobError> {
		let size = self.verified_size(hash).await?;
		if offset > size {
			return Err(BlobError::RangeOutOfBounds { size });
		}
		let length = u64::from(length.min(MAX_READ_CHUNK)).min(size - offset);
		let mut bytes = Vec::with_capacity(length as usize);
		let mut pieces = self.stream(hash, offset, length).await?;
		while let Some(piece) = pieces.try_next().await? {
			bytes.extend_from_slice(&piece);
		}
		Ok((bytes, size))
	}

	/// Deletes the body `hash` (a retired record's, or one no record points at).
	pub async fn remove(&self, hash: &H256) -> Result<(), BlobError> {
		let guard = self.lock(*hash).await;
		self.verified.lock().remove(hash);
		let result = async {
			if let Some(version) = self.storage.version(hash).await? {
				self.storage.remove(hash).await?;
				self.forget(version.size);
			}
			Ok(())
		}
		.await;
		self.unlock(guard);
		result
	}

	/// How many bodies are in quarantine (content that no longer matched
	/// its hash), for metrics and `ehr_status`.
	pub fn quarantined(&self) -> u64 {
		self.quarantined.load(Ordering::Relaxed)
	}

	/// Every complete body.
	pub async fn list(&self) -> Result<Vec<StoredBlob>, BlobError> {
		self.storage.list().await
	}

	/// Every unfinished upload: its body hash and when it last grew.
	pub fn list_uploads(&self) -> io::Result<Vec<(H256, SystemTime)>> {
		let mut uploads = Vec::new();
		for entry in fs::read_dir(&self.uploads)? {
			let entry = entry?;
			let name = entry.file_name();
			let Some(hash) = name.to_str().and_then(|n| n.strip_suffix(".part")).and_then(parse_body_name) else {
				continue;
			};
			uploads.push((hash, entry.metadata()?.modified()?));
		}
		Ok(uploads)
	}

	/// Deletes the unfinished upload of `hash` (upkeep: an orphan past its TTL).
	pub async fn remove_upload(&self, hash: &H256) -> Result<(), BlobError> {
		let guard = self.lock(*hash).await;
		let result = match fs::remove_file(self.upload_path(hash)) {
			Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error.into()),
			_ => sync_dir(&self.uploads).map_err(Into::into),
		};
		self.unlock(guard);
		result
	}

	/// The number of complete blobs and their total size in bytes (kept
	/// in memory: no listing).
	pub fn stats(&self) -> (u64, u64) {
		*self.totals.lock()
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use crate::body_storage::object::{ObjectStorage, PART_SIZE};
	use object_store::{memory::InMemory, path::Path as ObjectPath, ObjectStore};

	fn blake2(data: &[u8]) -> H256 {
		H256::from(sp_crypto_hashing::blake2_256(data))
	}

	/// A store over each backend: files, and an object store (`object_store`'s
	/// in-memory one, which keeps S3's semantics: an object appears whole).
	/// With each, a way to overwrite a body behind the store's back.
	struct Backend {
		dir: tempfile::TempDir,
		objects: Option<Arc<InMemory>>,
	}

	impl Backend {
		fn all() -> Vec<Backend> {
			vec![
				Backend { dir: tempfile::tempdir().unwrap(), objects: None },
				Backend { dir: tempfile::tempdir().unwrap(), objects: Some(Arc::new(InMemory::new())) },
			]
		}

		async fn open(&self, max: u64) -> BlobStore {
			match &self.objects {
				None => BlobStore::open(self.dir.path(), max).await.unwrap(),
				Some(objects) => {
					let storage = ObjectStorage::new(objects.clone(), "hospital-a", "memory".into());
					BlobStore::open_with(self.dir.path(), max, Arc::new(storage)).await.unwrap()
				},
			}
		}

		async fn overwrite(&self, hash: &H256, bytes: Vec<u8>) {
			match &self.objects {
				None => fs::write(self.dir.path().join("blobs").join(body_name(hash)), bytes).unwrap(),
				Some(objects) => {
					let location = ObjectPath::from(format!("hospital-a/bodies/{}", body_name(hash)));
					objects.put(&location, bytes.into()).await.unwrap();
				},
			}
		}

		async fn quarantined_bytes(&self, hash: &H256) -> Vec<u8> {
			match &self.objects {
				None => fs::read(self.dir.path().join("quarantine").join(body_name(hash))).unwrap(),
				Some(objects) => {
					let location = ObjectPath::from(format!("hospital-a/quarantine/{}", body_name(hash)));
					objects.get(&location).await.unwrap().bytes().await.unwrap().to_vec()
				},
			}
		}
	}

	#[tokio::test]
	async fn chunked_upload_round_trips_and_is_idempotent() {
		for backend in Backend::all() {
			let store = backend.open(64 << 20).await;
			// Larger than one multipart part, so the object store takes it in parts.
			let body: Vec<u8> = (0..PART_SIZE as u32 * 2 + 1000).map(|i| (i % 251) as u8).collect();
			let hash = blake2(&body);
			let mut offset = 0u64;
			for chunk in body.chunks(3 << 20) {
				let progress = store.put_chunk(hash, body.len() as u64, offset, chunk.to_vec()).await.unwrap();
				offset += chunk.len() as u64;
				if offset < body.len() as u64 {
					assert_eq!(progress, PutProgress::Partial { next_offset: offset });
				} else {
					assert_eq!(progress, PutProgress::Complete);
				}
			}
			assert!(store.list_uploads().unwrap().is_empty(), "the staged upload is gone");
			let (first, size) = store.read_range(&hash, 0, 10).await.unwrap();
			assert_eq!((first.as_slice(), size), (&body[..10], body.len() as u64));
			let (rest, _) = store.read_range(&hash, 10, u32::MAX).await.unwrap();
			assert_eq!(rest, body[10..10 + MAX_READ_CHUNK as usize]);
			let pieces = store.stream(&hash, 5, body.len() as u64 - 5).await.unwrap();
			let streamed: Vec<u8> = pieces.map_ok(|piece| piece.to_vec()).try_concat().await.unwrap();
			assert_eq!(streamed, body[5..]);
			assert_eq!(
				store.put_chunk(hash, body.len() as u64, 0, body[..5].to_vec()).await.unwrap(),
				PutProgress::Complete
			);
			assert_eq!(store.stats(), (1, body.len() as u64));
			assert_eq!(backend.open(64 << 20).await.stats(), (1, body.len() as u64));
			store.remove(&hash).await.unwrap();
			assert_eq!(store.stats(), (0, 0));
			assert!(store.list().await.unwrap().is_empty());
		}
	}

	#[tokio::test]
	async fn wrong_offsets_sizes_and_hashes_are_refused() {
		for backend in Backend::all() {
			let store = backend.open(1000).await;
			let body = vec![7u8; 600];
			let hash = blake2(&body);
			assert!(matches!(store.put_chunk(hash, 2000, 0, body.clone()).await, Err(BlobError::TooLarge { .. })));
			store.put_chunk(hash, 600, 0, body[..100].to_vec()).await.unwrap();
			assert!(matches!(
				store.put_chunk(hash, 600, 300, body[..100].to_vec()).await,
				Err(BlobError::WrongOffset { expected: 100 })
			));
			assert!(matches!(store.put_chunk(hash, 600, 100, vec![0u8; 600]).await, Err(BlobError::PastEnd)));
			let other = blake2(b"something else");
			assert!(matches!(store.put_chunk(other, 600, 0, body.clone()).await, Err(BlobError::HashMismatch)));
			assert!(matches!(store.read_range(&other, 0, 1).await, Err(BlobError::NotFound)));
			assert!(store.list().await.unwrap().is_empty(), "nothing half-written is listed");
			assert_eq!(store.size(&hash).await, None);
		}
	}

	#[tokio::test]
	async fn a_corrupted_blob_is_never_served() {
		for backend in Backend::all() {
			let store = backend.open(1000).await;
			let body = vec![1u8; 64];
			let hash = blake2(&body);
			store.put_chunk(hash, 64, 0, body.clone()).await.unwrap();
			assert_eq!(store.read_range(&hash, 0, 64).await.unwrap().0, body);
			tokio::time::sleep(std::time::Duration::from_millis(20)).await;
			backend.overwrite(&hash, vec![2u8; 64]).await;
			// The running store sees the new version and checks it again; a
			// fresh one checks it on its first read.
			assert!(matches!(store.read_range(&hash, 0, 64).await, Err(BlobError::Corrupt)));
			assert!(store.size(&hash).await.is_none());
			assert_eq!(store.quarantined(), 1, "moved aside, not deleted");
			assert_eq!(backend.quarantined_bytes(&hash).await, vec![2u8; 64]);
			assert_eq!(backend.open(1000).await.quarantined(), 1);

			let other = vec![3u8; 32];
			let other_hash = blake2(&other);
			store.put_chunk(other_hash, 32, 0, other).await.unwrap();
			backend.overwrite(&other_hash, vec![4u8; 32]).await;
			let fresh = backend.open(1000).await;
			assert!(matches!(fresh.stream(&other_hash, 0, 32).await, Err(BlobError::Corrupt)));
			assert_eq!(fresh.quarantined(), 2);
		}
	}

	#[tokio::test]
	async fn unfinished_uploads_are_listed_and_removed() {
		for backend in Backend::all() {
			let store = backend.open(1000).await;
			let hash = blake2(b"x");
			store.put_chunk(hash, 10, 0, b"12345".to_vec()).await.unwrap();
			let uploads = store.list_uploads().unwrap();
			assert_eq!(uploads.iter().map(|(h, _)| *h).collect::<Vec<_>>(), vec![hash]);
			store.remove_upload(&hash).await.unwrap();
			assert!(store.list_uploads().unwrap().is_empty());
		}
	}

	/// A storage that refuses to keep bodies until told otherwise: an
	/// object store that is down.
	struct Down {
		inner: ObjectStorage,
		down: std::sync::atomic::AtomicBool,
	}

	#[async_trait::async_trait]
	impl BodyStorage for Down {
		fn describe(&self) -> String {
			"a store that is down".into()
		}
		async fn keep(&self, hash: H256, staged: &Path, size: u64) -> Result<BodyVersion, BlobError> {
			if self.down.load(Ordering::Relaxed) {
				return Err(BlobError::Storage("the store is down".into()));
			}
			self.inner.keep(hash, staged, size).await
		}
		async fn version(&self, hash: &H256) -> Result<Option<BodyVersion>, BlobError> {
			self.inner.version(hash).await
		}
		async fn digest(&self, hash: &H256) -> Result<(H256, BodyVersion), BlobError> {
			self.inner.digest(hash).await
		}
		async fn read(&self, hash: &H256, v: &BodyVersion, o: u64, l: u64) -> Result<ByteStream, BlobError> {
			self.inner.read(hash, v, o, l).await
		}
		async fn remove(&self, hash: &H256) -> Result<(), BlobError> {
			self.inner.remove(hash).await
		}
		async fn quarantine(&self, hash: &H256) -> Result<(), BlobError> {
			self.inner.quarantine(hash).await
		}
		async fn quarantined(&self) -> Result<u64, BlobError> {
			self.inner.quarantined().await
		}
		async fn list(&self) -> Result<Vec<crate::body_storage::StoredBlob>, BlobError> {
			self.inner.list().await
		}
	}

	/// The storage fails as a verified upload is handed over: the upload is
	/// not acknowledged, nothing is stored, and sending the last chunk again
	/// once the storage is back completes it from the staged bytes.
	#[tokio::test]
	async fn an_upload_the_storage_could_not_take_is_retried_from_its_staged_bytes() {
		let dir = tempfile::tempdir().unwrap();
		let storage = Arc::new(Down {
			inner: ObjectStorage::new(Arc::new(InMemory::new()), "", "memory".into()),
			down: true.into(),
		});
		let store = BlobStore::open_with(dir.path(), 1000, storage.clone()).await.unwrap();
		let body = vec![9u8; 100];
		let hash = blake2(&body);
		store.put_chunk(hash, 100, 0, body[..60].to_vec()).await.unwrap();
		assert!(matches!(store.put_chunk(hash, 100, 60, body[60..].to_vec()).await, Err(BlobError::Storage(_))));
		assert_eq!((store.size(&hash).await, store.stats()), (None, (0, 0)), "not stored, not counted");
		assert_eq!(store.list_uploads().unwrap().len(), 1, "still staged");
		storage.down.store(false, Ordering::Relaxed);
		assert_eq!(store.put_chunk(hash, 100, 60, body[60..].to_vec()).await.unwrap(), PutProgress::Complete);
		assert_eq!(store.read_range(&hash, 0, 100).await.unwrap().0, body);
		assert!(store.list_uploads().unwrap().is_empty());
	}
}
