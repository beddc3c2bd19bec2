//! The hospital's blob store: the encrypted bodies of the records this
//! hospital holds as custodian, content-addressed by the blake2-256 hash the
//! record carries on chain.
//!
//! - Uploads arrive in chunks, appended in order to `uploads/<hash>.part`.
//!   When the last byte arrives the file is hashed; only a file whose hash
//!   matches is fsynced and renamed to `blobs/<hash>`, and the folder is
//!   fsynced. A crash therefore never leaves a half-written blob that could
//!   be served: a blob either is complete and verified or does not exist.
//! - Reads are by range, so no body has to fit in memory or one RPC message.
//!   A blob's whole content is checked against its hash before its first
//!   read in this process and again whenever its size or modification time
//!   changes (see docs/rpc.md).
//! - A blob whose content no longer matches its hash (disk fault, tampering)
//!   is never served and never silently deleted: it is moved to
//!   `quarantine/<hash>` for the operator, counted
//!   ([`BlobStore::quarantined`], the `ehr_blobs_quarantined` metric,
//!   `ehr_status`) and logged.

use parking_lot::Mutex;
use sp_core::H256;
use std::{
	collections::HashMap,
	fs::{self, File, OpenOptions},
	io::{self, Read, Seek, SeekFrom, Write},
	path::{Path, PathBuf},
	time::SystemTime,
};

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
	/// The requested range starts past the end of the blob.
	RangeOutOfBounds {
		/// The body's size.
		size: u64,
	},
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
			BlobError::RangeOutOfBounds { size } => {
				write!(f, "the range starts past the end of the body ({size} bytes)")
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

/// A stored body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredBlob {
	/// Its blake2-256 hash.
	pub hash: H256,
	/// Its size in bytes.
	pub size: u64,
	/// When it was completed.
	pub modified: SystemTime,
}

/// The blob store of one node.
pub struct BlobStore {
	blobs: PathBuf,
	uploads: PathBuf,
	/// Bodies whose content no longer matched their hash, kept for the operator.
	quarantine: PathBuf,
	max_size: u64,
	/// Blobs whose content was checked against their hash, with the size and
	/// modification time they had then.
	verified: Mutex<HashMap<H256, (u64, SystemTime)>>,
	/// Serialises writers, so two uploads of the same body cannot interleave.
	write_lock: Mutex<()>,
	/// The number of complete blobs and their bytes, counted once at open
	/// and kept up to date by every write and removal.
	totals: Mutex<(u64, u64)>,
}

fn hex_name(hash: &H256) -> String {
	hex::encode(hash.as_bytes())
}

fn parse_name(name: &str) -> Option<H256> {
	let bytes = hex::decode(name).ok()?;
	(bytes.len() == 32).then(|| H256::from_slice(&bytes))
}

use crate::files::sync_dir;

/// blake2-256 of a file's content, read in 1 MiB pieces.
fn hash_file(path: &Path) -> io::Result<H256> {
	let mut state = blake2b_simd::Params::new().hash_length(32).to_state();
	let mut file = File::open(path)?;
	let mut buffer = vec![0u8; 1 << 20];
	loop {
		let read = file.read(&mut buffer)?;
		if read == 0 {
			break;
		}
		state.update(&buffer[..read]);
	}
	Ok(H256::from_slice(state.finalize().as_bytes()))
}

impl BlobStore {
	/// Opens (creating if needed) the store under `root`, accepting bodies
	/// of at most `max_size` bytes.
	pub fn open(root: &Path, max_size: u64) -> io::Result<Self> {
		let blobs = root.join("blobs");
		let uploads = root.join("uploads");
		let quarantine = root.join("quarantine");
		fs::create_dir_all(&blobs)?;
		fs::create_dir_all(&uploads)?;
		fs::create_dir_all(&quarantine)?;
		let mut store = BlobStore {
			blobs,
			uploads,
			quarantine,
			max_size,
			verified: Mutex::new(HashMap::new()),
			write_lock: Mutex::new(()),
			totals: Mutex::new((0, 0)),
		};
		let existing = store.list()?;
		store.totals = Mutex::new((existing.len() as u64, existing.iter().map(|b| b.size).sum()));
		Ok(store)
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

	fn blob_path(&self, hash: &H256) -> PathBuf {
		self.blobs.join(hex_name(hash))
	}

	fn upload_path(&self, hash: &H256) -> PathBuf {
		self.uploads.join(format!("{}.part", hex_name(hash)))
	}

	/// Appends `data` at `offset` to the upload of the body `hash` of
	/// `total_size` bytes; completes the blob when the last byte arrives.
	/// Uploading a body that is already stored completes at once.
	pub fn put_chunk(&self, hash: H256, total_size: u64, offset: u64, data: &[u8]) -> Result<PutProgress, BlobError> {
		if total_size > self.max_size {
			return Err(BlobError::TooLarge { size: total_size, max: self.max_size });
		}
		let _guard = self.write_lock.lock();
		if self.blob_path(&hash).exists() {
			return Ok(PutProgress::Complete);
		}
		let part = self.upload_path(&hash);
		let mut file = OpenOptions::new().create(true).append(true).open(&part)?;
		let current = file.metadata()?.len();
		if current != offset {
			return Err(BlobError::WrongOffset { expected: current });
		}
		let end = offset.checked_add(data.len() as u64).ok_or(BlobError::PastEnd)?;
		if end > total_size {
			return Err(BlobError::PastEnd);
		}
		file.write_all(data)?;
		if end < total_size {
			return Ok(PutProgress::Partial { next_offset: end });
		}
		file.sync_all()?;
		drop(file);
		if hash_file(&part)? != hash {
			let _ = fs::remove_file(&part);
			return Err(BlobError::HashMismatch);
		}
		let target = self.blob_path(&hash);
		fs::rename(&part, &target)?;
		sync_dir(&self.blobs)?;
		sync_dir(&self.uploads)?;
		let metadata = fs::metadata(&target)?;
		{
			let mut totals = self.totals.lock();
			*totals = (totals.0.saturating_add(1), totals.1.saturating_add(metadata.len()));
		}
		self.verified.lock().insert(hash, (metadata.len(), metadata.modified()?));
		Ok(PutProgress::Complete)
	}

	/// The size of the stored body `hash`, if it is stored.
	pub fn size(&self, hash: &H256) -> Option<u64> {
		fs::metadata(self.blob_path(hash)).ok().map(|m| m.len())
	}

	/// Checks the blob's content against its hash unless it was checked in
	/// this process with the same size and modification time.
	fn ensure_verified(&self, hash: &H256) -> Result<u64, BlobError> {
		let path = self.blob_path(hash);
		let metadata = match fs::metadata(&path) {
			Ok(metadata) => metadata,
			Err(error) if error.kind() == io::ErrorKind::NotFound => return Err(BlobError::NotFound),
			Err(error) => return Err(error.into()),
		};
		let stamp = (metadata.len(), metadata.modified()?);
		if self.verified.lock().get(hash) == Some(&stamp) {
			return Ok(stamp.0);
		}
		if hash_file(&path)? != *hash {
			self.verified.lock().remove(hash);
			let _guard = self.write_lock.lock();
			let target = self.quarantine.join(hex_name(hash));
			if fs::rename(&path, &target).is_ok() {
				self.forget(stamp.0);
				sync_dir(&self.blobs)?;
				sync_dir(&self.quarantine)?;
				log::error!(
					target: "ehr-blobs",
					"body {hash:?} no longer matches its hash: moved to {} for the operator",
					target.display()
				);
			}
			return Err(BlobError::Corrupt);
		}
		self.verified.lock().insert(*hash, stamp);
		Ok(stamp.0)
	}

	/// The stored body `hash`, opened for reading after checking it against
	/// its hash, and its size: what the HTTP body server streams from, so a
	/// body is never loaded into memory whole. Fails with `NotFound` or
	/// `Corrupt` (the body is then quarantined) as [`Self::read_range`] does.
	pub fn open_verified(&self, hash: &H256) -> Result<(File, u64), BlobError> {
		let size = self.ensure_verified(hash)?;
		let file = File::open(self.blob_path(hash))?;
		// The body may have been replaced between the check and the open.
		if file.metadata()?.len() != size {
			self.verified.lock().remove(hash);
			return Err(BlobError::Corrupt);
		}
		Ok((file, size))
	}

	/// Reads at most `length` bytes (capped at [`MAX_READ_CHUNK`]) at
	/// `offset` of the body `hash`, after checking it against its hash.
	/// Returns the bytes and the body's total size.
	pub fn read_range(&self, hash: &H256, offset: u64, length: u32) -> Result<(Vec<u8>, u64), BlobError> {
		let size = self.ensure_verified(hash)?;
		if offset > size {
			return Err(BlobError::RangeOutOfBounds { size });
		}
		let length = u64::from(length.min(MAX_READ_CHUNK)).min(size - offset);
		let mut file = File::open(self.blob_path(hash))?;
		file.seek(SeekFrom::Start(offset))?;
		let mut buffer = vec![0u8; length as usize];
		file.read_exact(&mut buffer)?;
		Ok((buffer, size))
	}

	/// Deletes the body `hash` (a retired record's, or one no record points at).
	pub fn remove(&self, hash: &H256) -> io::Result<()> {
		let _guard = self.write_lock.lock();
		self.verified.lock().remove(hash);
		let path = self.blob_path(hash);
		let size = fs::metadata(&path).map(|m| m.len()).ok();
		match fs::remove_file(&path) {
			Err(error) if error.kind() != io::ErrorKind::NotFound => return Err(error),
			Ok(()) => self.forget(size.unwrap_or(0)),
			Err(_) => {},
		}
		sync_dir(&self.blobs)
	}

	/// How many bodies are in quarantine (content that no longer matched
	/// its hash), for metrics and `ehr_status`.
	pub fn quarantined(&self) -> io::Result<u64> {
		Ok(fs::read_dir(&self.quarantine)?.count() as u64)
	}

	/// Every complete blob.
	pub fn list(&self) -> io::Result<Vec<StoredBlob>> {
		let mut blobs = Vec::new();
		for entry in fs::read_dir(&self.blobs)? {
			let entry = entry?;
			let Some(hash) = entry.file_name().to_str().and_then(parse_name) else { continue };
			let metadata = entry.metadata()?;
			blobs.push(StoredBlob { hash, size: metadata.len(), modified: metadata.modified()? });
		}
		Ok(blobs)
	}

	/// Every unfinished upload: its body hash and when it last grew.
	pub fn list_uploads(&self) -> io::Result<Vec<(H256, SystemTime)>> {
		let mut uploads = Vec::new();
		for entry in fs::read_dir(&self.uploads)? {
			let entry = entry?;
			let name = entry.file_name();
			let Some(hash) = name.to_str().and_then(|n| n.strip_suffix(".part")).and_then(parse_name) else {
				continue;
			};
			uploads.push((hash, entry.metadata()?.modified()?));
		}
		Ok(uploads)
	}

	/// Deletes the unfinished upload of `hash` (upkeep: an orphan past its TTL).
	pub fn remove_upload(&self, hash: &H256) -> io::Result<()> {
		let _guard = self.write_lock.lock();
		match fs::remove_file(self.upload_path(hash)) {
			Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
			_ => sync_dir(&self.uploads),
		}
	}

	/// The number of complete blobs and their total size in bytes (kept
	/// in memory: no directory listing).
	pub fn stats(&self) -> io::Result<(u64, u64)> {
		Ok(*self.totals.lock())
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::time::Duration;

	fn blake2(data: &[u8]) -> H256 {
		H256::from(sp_crypto_hashing::blake2_256(data))
	}

	#[test]
	fn chunked_upload_round_trips_and_is_idempotent() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::open(dir.path(), 1 << 20).unwrap();
		let body: Vec<u8> = (0..100_000u32).map(|i| (i % 251) as u8).collect();
		let hash = blake2(&body);
		let mut offset = 0u64;
		for chunk in body.chunks(30_000) {
			let progress = store.put_chunk(hash, body.len() as u64, offset, chunk).unwrap();
			offset += chunk.len() as u64;
			if offset < body.len() as u64 {
				assert_eq!(progress, PutProgress::Partial { next_offset: offset });
			} else {
				assert_eq!(progress, PutProgress::Complete);
			}
		}
		let (first, size) = store.read_range(&hash, 0, 10).unwrap();
		assert_eq!((first.as_slice(), size), (&body[..10], body.len() as u64));
		let (rest, _) = store.read_range(&hash, 10, u32::MAX).unwrap();
		assert_eq!(rest, body[10..]);
		assert_eq!(store.put_chunk(hash, body.len() as u64, 0, &body[..5]).unwrap(), PutProgress::Complete);
		assert_eq!(store.stats().unwrap(), (1, body.len() as u64));
		assert_eq!(BlobStore::open(dir.path(), 1 << 20).unwrap().stats().unwrap(), (1, body.len() as u64));
		store.remove(&hash).unwrap();
		assert_eq!(store.stats().unwrap(), (0, 0));
	}

	#[test]
	fn wrong_offsets_sizes_and_hashes_are_refused() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::open(dir.path(), 1000).unwrap();
		let body = vec![7u8; 600];
		let hash = blake2(&body);
		assert!(matches!(store.put_chunk(hash, 2000, 0, &body), Err(BlobError::TooLarge { .. })));
		store.put_chunk(hash, 600, 0, &body[..100]).unwrap();
		assert!(matches!(store.put_chunk(hash, 600, 300, &body[..100]), Err(BlobError::WrongOffset { expected: 100 })));
		assert!(matches!(store.put_chunk(hash, 600, 100, &[0u8; 600]), Err(BlobError::PastEnd)));
		let other = blake2(b"something else");
		assert!(matches!(store.put_chunk(other, 600, 0, &body), Err(BlobError::HashMismatch)));
		assert!(matches!(store.read_range(&other, 0, 1), Err(BlobError::NotFound)));
		assert!(store.list().unwrap().is_empty(), "nothing half-written is listed");
	}

	#[test]
	fn a_corrupted_blob_is_never_served() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::open(dir.path(), 1000).unwrap();
		let body = vec![1u8; 64];
		let hash = blake2(&body);
		store.put_chunk(hash, 64, 0, &body).unwrap();
		std::thread::sleep(Duration::from_millis(20));
		fs::write(dir.path().join("blobs").join(hex_name(&hash)), vec![2u8; 64]).unwrap();
		let fresh = BlobStore::open(dir.path(), 1000).unwrap();
		assert!(matches!(fresh.read_range(&hash, 0, 64), Err(BlobError::Corrupt)));
		assert!(fresh.size(&hash).is_none());
		assert_eq!(fresh.quarantined().unwrap(), 1, "moved aside, not deleted");
		assert_eq!(fs::read(dir.path().join("quarantine").join(hex_name(&hash))).unwrap(), vec![2u8; 64]);
	}

	#[test]
	fn unfinished_uploads_are_listed_and_removed() {
		let dir = tempfile::tempdir().unwrap();
		let store = BlobStore::open(dir.path(), 1000).unwrap();
		let hash = blake2(b"x");
		store.put_chunk(hash, 10, 0, b"12345").unwrap();
		let uploads = store.list_uploads().unwrap();
		assert_eq!(uploads.iter().map(|(h, _)| *h).collect::<Vec<_>>(), vec![hash]);
		store.remove_upload(&hash).unwrap();
		assert!(store.list_uploads().unwrap().is_empty());
	}
}
