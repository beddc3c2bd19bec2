//! The trie cache against the state it should hold: a cache smaller than
//! the state keeps only part of it, and record reads and block imports then
//! read from disk (docs/operator.md, "Reads as the chain grows").

use sc_service::Configuration;
use std::path::Path;

/// The least trie cache a state takes per byte its database takes on disk:
/// measured 2.1 times at a million records, 2.3 at ten thousand and 2.9 at
/// a hundred thousand (docs/benchmarks.md, session 12).
pub const CACHE_PER_DATABASE_BYTE_AT_LEAST: u64 = 2;

/// The trie cache to give a state per byte of its database: above every
/// measured ratio.
pub const CACHE_PER_DATABASE_BYTE_ADVISED: u64 = 3;

const MIB: u64 = 1024 * 1024;

/// The disk space the files under `dir` take, as `du` counts it (ParityDB
/// creates its index files sparse, so their lengths say little); 0 for a
/// folder that does not exist.
pub fn disk_usage(dir: &Path) -> u64 {
	use std::os::unix::fs::MetadataExt;
	std::fs::read_dir(dir)
		.map(|entries| {
			entries
				.flatten()
				.map(|entry| match entry.metadata() {
					Ok(meta) if meta.is_dir() => disk_usage(&entry.path()),
					Ok(meta) => meta.blocks().saturating_mul(512),
					Err(_) => 0,
				})
				.fold(0u64, u64::saturating_add)
		})
		.unwrap_or(0)
}

/// What to tell the operator when the trie cache `config` sets cannot hold
/// the state its database holds (less than
/// [`CACHE_PER_DATABASE_BYTE_AT_LEAST`] times the database's size), with
/// the size to set instead; `None` when it can, and for a new database.
pub fn too_small_for_the_state(config: &Configuration) -> Option<String> {
	let database = disk_usage(config.database.path()?);
	let cache = config.trie_cache_maximum_size.unwrap_or(0) as u64;
	let needed = database.saturating_mul(CACHE_PER_DATABASE_BYTE_AT_LEAST);
	if database == 0 || cache >= needed {
		return None;
	}
	let advised = database.saturating_mul(CACHE_PER_DATABASE_BYTE_ADVISED);
	Some(format!(
		"the trie cache ({} MiB, --trie-cache-size) cannot hold this chain's state: the database takes {} MiB on \
		 disk and its state needs at least {} MiB of cache, so record reads and block imports read from disk. \
		 Restart with --trie-cache-size {advised} ({} MiB) and leave that much memory free; see docs/operator.md, \
		 \"Reads as the chain grows\"",
		cache / MIB,
		database.div_ceil(MIB),
		needed.div_ceil(MIB),
		advised.div_ceil(MIB),
	))
}
