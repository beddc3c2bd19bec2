//! The proxy worker's journal of submitted cfrags: request ids with the
//! block each cfrag was submitted at, so that a restarted node does not
//! submit the same cfrag again.
//!
//! The file starts with the genesis hash of its chain: a journal of another
//! chain (a base path reused after a chain reset) is set aside, not trusted.
//! Each submission is appended and fsynced; a torn last line after a crash
//! is ignored. On opening, and whenever it has grown to twice
//! [`JOURNAL_ENTRIES`], the journal is compacted to its newest
//! [`JOURNAL_ENTRIES`] entries and rewritten crash-safely
//! ([`crate::files::replace`]). Older entries only matter for requests that
//! expired long ago (a request stays open for `RequestTimeout` blocks).

use ehr_primitives::RequestId;
use ehr_runtime::BlockNumber;
use parking_lot::Mutex;
use sp_core::H256;
use std::{
	collections::HashMap,
	fs::{self, OpenOptions},
	io::Write,
	path::PathBuf,
};

/// How many submissions the journal keeps after compaction.
pub const JOURNAL_ENTRIES: usize = 4096;

const LOG_TARGET: &str = "ehr-proxy";

/// Request ids this proxy submitted a cfrag for, with the block it did so at.
pub struct Journal {
	path: PathBuf,
	header: String,
	/// Entries kept by compaction.
	keep: usize,
	entries: Mutex<HashMap<RequestId, BlockNumber>>,
}

impl Journal {
	/// Loads the journal at `path` for the chain with `genesis` (an absent
	/// file, or one of another chain, is an empty journal) and compacts it.
	pub fn open(path: PathBuf, genesis: H256) -> Self {
		Self::keeping(path, genesis, JOURNAL_ENTRIES)
	}

	/// [`Self::open`], compacting to the newest `keep` entries.
	pub fn keeping(path: PathBuf, genesis: H256, keep: usize) -> Self {
		let header = format!("ehr-proxy-journal genesis={genesis:?}");
		let mut entries = HashMap::new();
		if let Ok(text) = fs::read_to_string(&path) {
			// Only whole lines: a last line without its newline was torn by a crash.
			let mut lines = text.split_inclusive('\n').filter_map(|line| line.strip_suffix('\n'));
			if lines.next() == Some(header.as_str()) {
				for line in lines {
					let mut parts = line.split_whitespace();
					if let (Some(Ok(id)), Some(Ok(block)), None) = (
						parts.next().map(str::parse::<RequestId>),
						parts.next().map(str::parse::<BlockNumber>),
						parts.next(),
					) {
						entries.insert(id, block);
					}
				}
			} else {
				log::warn!(target: LOG_TARGET, "{} is not this chain's journal: starting a new one", path.display());
			}
		}
		let journal = Journal { path, header, keep: keep.max(1), entries: Mutex::new(entries) };
		if let Err(error) = journal.compact() {
			log::warn!(target: LOG_TARGET, "cannot rewrite the journal {}: {error}", journal.path.display());
		}
		journal
	}

	/// The block at which a cfrag for `request` was last submitted.
	pub fn submitted_at(&self, request: RequestId) -> Option<BlockNumber> {
		self.entries.lock().get(&request).copied()
	}

	/// Records a submission durably.
	pub fn record(&self, request: RequestId, block: BlockNumber) -> std::io::Result<()> {
		let mut file = OpenOptions::new().append(true).open(&self.path)?;
		writeln!(file, "{request} {block}")?;
		file.sync_all()?;
		let grown = {
			let mut entries = self.entries.lock();
			entries.insert(request, block);
			entries.len() >= 2 * self.keep
		};
		if grown {
			self.compact()?;
		}
		Ok(())
	}

	/// Keeps the newest entries and rewrites the file.
	fn compact(&self) -> std::io::Result<()> {
		let mut entries = self.entries.lock();
		if entries.len() > self.keep {
			let mut newest: Vec<_> = entries.iter().map(|(id, block)| (*block, *id)).collect();
			newest.sort_unstable_by(|a, b| b.cmp(a));
			*entries = newest.into_iter().take(self.keep).map(|(block, id)| (id, block)).collect();
		}
		let mut text = format!("{}\n", self.header);
		for (id, block) in entries.iter() {
			text.push_str(&format!("{id} {block}\n"));
		}
		crate::files::replace(&self.path, text.as_bytes())
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn the_journal_survives_reopening_and_forgets_other_chains() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("journal");
		let journal = Journal::open(path.clone(), H256([1; 32]));
		journal.record(7, 100).unwrap();
		// A torn last line from a crash is ignored.
		OpenOptions::new().append(true).open(&path).unwrap().write_all(b"8 1").unwrap();
		let reopened = Journal::open(path.clone(), H256([1; 32]));
		assert_eq!(reopened.submitted_at(7), Some(100));
		assert_eq!(reopened.submitted_at(8), None);
		let other_chain = Journal::open(path, H256([2; 32]));
		assert_eq!(other_chain.submitted_at(7), None);
	}

	#[test]
	fn the_journal_keeps_its_newest_entries() {
		let dir = tempfile::tempdir().unwrap();
		let path = dir.path().join("journal");
		let journal = Journal::keeping(path.clone(), H256([1; 32]), 4);
		let total = 8;
		for id in 0..total {
			journal.record(id, id as BlockNumber).unwrap();
		}
		assert_eq!(journal.submitted_at(0), None, "the oldest entries were compacted away");
		assert_eq!(journal.submitted_at(total - 1), Some((total - 1) as BlockNumber));
		let lines = fs::read_to_string(&path).unwrap().lines().count();
		assert!(lines <= 5, "{lines} lines after compaction");
	}
}
