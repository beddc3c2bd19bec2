//! Crash-safe files. Every file the node services create or rewrite (the
//! proxy key, the proxy worker's journal) is written to a temporary file in
//! the same folder (mode 0600, by `tempfile`), fsynced, renamed into place
//! and the folder fsynced: after a crash the path holds the old content or
//! the new, never a torn mix. Blob uploads follow the same steps in
//! [`crate::blob_store`].

use std::{
	fs::File,
	io::{self, Write},
	path::Path,
};

/// fsyncs a folder, so that a rename or removal in it survives a crash.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
	File::open(dir)?.sync_all()
}

fn folder_of(path: &Path) -> &Path {
	path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."))
}

fn written_temp(path: &Path, bytes: &[u8]) -> io::Result<tempfile::NamedTempFile> {
	let mut temp = tempfile::NamedTempFile::new_in(folder_of(path))?;
	temp.write_all(bytes)?;
	temp.as_file().sync_all()?;
	Ok(temp)
}

/// Creates `path` with `bytes`, crash-safely; fails with `AlreadyExists`
/// rather than replace a file already there.
pub fn create_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
	written_temp(path, bytes)?.persist_noclobber(path).map_err(|e| e.error)?;
	sync_dir(folder_of(path))
}

/// Replaces `path` (or creates it) with `bytes`, crash-safely.
pub fn replace(path: &Path, bytes: &[u8]) -> io::Result<()> {
	written_temp(path, bytes)?.persist(path).map_err(|e| e.error)?;
	sync_dir(folder_of(path))
}

#[cfg(test)]
mod tests {
	use super::*;
	use std::os::unix::fs::PermissionsExt;

	#[test]
	fn files_are_private_replaced_whole_and_never_clobbered() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("key");
		create_new(&path, b"first").unwrap();
		assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o077, 0);
		assert_eq!(create_new(&path, b"second").unwrap_err().kind(), io::ErrorKind::AlreadyExists);
		assert_eq!(std::fs::read(&path).unwrap(), b"first");
		replace(&path, b"third").unwrap();
		assert_eq!(std::fs::read(&path).unwrap(), b"third");
		assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1, "no temporary file left behind");
	}
}
