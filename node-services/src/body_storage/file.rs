//! The default body storage: files in the node's EHR folder.
//!
//! - `blobs/<hash>`: the bodies. A staged upload is renamed in and the
//!   folder fsynced, so a crash leaves a body complete or absent.
//! - `quarantine/<hash>`: bodies that no longer matched their hash.
//!
//! A body's version is its size and modification time.

use super::{body_name, hash_reader, parse_body_name, BodyStorage, BodyVersion, ByteStream, StoredBlob};
use crate::{
	blob_store::{blocking, BlobError},
	files::sync_dir,
};
use async_trait::async_trait;
use futures::StreamExt;
use sp_core::H256;
use std::{
	fs::{self, File, Metadata},
	io,
	path::{Path, PathBuf},
	time::UNIX_EPOCH,
};
use tokio::io::{AsyncReadExt, AsyncSeekExt};
use tokio_util::io::ReaderStream;

/// Size of the pieces a body is streamed in.
const STREAM_CHUNK: usize = 256 * 1024;

/// Bodies as files under one folder.
pub struct FileStorage {
	blobs: PathBuf,
	quarantine: PathBuf,
}

fn version_of(metadata: &Metadata) -> io::Result<BodyVersion> {
	let modified = metadata.modified()?.duration_since(UNIX_EPOCH).unwrap_or_default();
	Ok(BodyVersion { size: metadata.len(), tag: format!("{}.{:09}", modified.as_secs(), modified.subsec_nanos()) })
}

fn not_found_as_none<T>(result: io::Result<T>) -> Result<Option<T>, BlobError> {
	match result {
		Ok(value) => Ok(Some(value)),
		Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(None),
		Err(error) => Err(error.into()),
	}
}

impl FileStorage {
	/// Opens (creating if needed) the storage under `root`: `root/blobs`
	/// and `root/quarantine`.
	pub fn open(root: &Path) -> io::Result<Self> {
		let (blobs, quarantine) = (root.join("blobs"), root.join("quarantine"));
		fs::create_dir_all(&blobs)?;
		fs::create_dir_all(&quarantine)?;
		Ok(FileStorage { blobs, quarantine })
	}

	/// The file of the body `hash`.
	pub fn path(&self, hash: &H256) -> PathBuf {
		self.blobs.join(body_name(hash))
	}
}

#[async_trait]
impl BodyStorage for FileStorage {
	fn describe(&self) -> String {
		format!("the folder {}", self.blobs.display())
	}

	async fn keep(&self, hash: H256, staged: &Path, _size: u64) -> Result<BodyVersion, BlobError> {
		let (staged, target, blobs) = (staged.to_path_buf(), self.path(&hash), self.blobs.clone());
		blocking(move || {
			let from = staged.parent().map(Path::to_path_buf);
			fs::rename(&staged, &target)?;
			sync_dir(&blobs)?;
			if let Some(from) = from {
				sync_dir(&from)?;
			}
			Ok(version_of(&fs::metadata(&target)?)?)
		})
		.await
	}

	async fn version(&self, hash: &H256) -> Result<Option<BodyVersion>, BlobError> {
		match not_found_as_none(fs::metadata(self.path(hash)))? {
			Some(metadata) => Ok(Some(version_of(&metadata)?)),
			None => Ok(None),
		}
	}

	async fn digest(&self, hash: &H256) -> Result<(H256, BodyVersion), BlobError> {
		let path = self.path(hash);
		blocking(move || {
			let file = not_found_as_none(File::open(&path))?.ok_or(BlobError::NotFound)?;
			let version = version_of(&file.metadata()?)?;
			Ok((hash_reader(file)?, version))
		})
		.await
	}

	async fn read(
		&self,
		hash: &H256,
		version: &BodyVersion,
		offset: u64,
		length: u64,
	) -> Result<ByteStream, BlobError> {
		let path = self.path(hash);
		let file = blocking(move || not_found_as_none(File::open(&path))).await?.ok_or(BlobError::NotFound)?;
		let mut file = tokio::fs::File::from_std(file);
		// The body may have been replaced since it was checked.
		if version_of(&file.metadata().await?)? != *version {
			return Err(BlobError::Changed);
		}
		if offset > 0 {
			file.seek(io::SeekFrom::Start(offset)).await?;
		}
		Ok(ReaderStream::with_capacity(file.take(length), STREAM_CHUNK).boxed())
	}

	async fn remove(&self, hash: &H256) -> Result<(), BlobError> {
		let (path, blobs) = (self.path(hash), self.blobs.clone());
		blocking(move || {
			not_found_as_none(fs::remove_file(&path))?;
			Ok(sync_dir(&blobs)?)
		})
		.await
	}

	async fn quarantine(&self, hash: &H256) -> Result<(), BlobError> {
		let (path, target) = (self.path(hash), self.quarantine.join(body_name(hash)));
		let (blobs, quarantine) = (self.blobs.clone(), self.quarantine.clone());
		blocking(move || {
			fs::rename(&path, &target)?;
			sync_dir(&blobs)?;
			Ok(sync_dir(&quarantine)?)
		})
		.await
	}

	async fn quarantined(&self) -> Result<u64, BlobError> {
		Ok(fs::read_dir(&self.quarantine)?.count() as u64)
	}

	async fn list(&self) -> Result<Vec<StoredBlob>, BlobError> {
		let blobs = self.blobs.clone();
		blocking(move || {
			let mut listed = Vec::new();
			for entry in fs::read_dir(&blobs)? {
				let entry = entry?;
				let Some(hash) = entry.file_name().to_str().and_then(parse_body_name) else { continue };
				let Some(metadata) = not_found_as_none(entry.metadata())? else { continue };
				listed.push(StoredBlob { hash, size: metadata.len(), modified: metadata.modified()? });
			}
			Ok(listed)
		})
		.await
	}
}
