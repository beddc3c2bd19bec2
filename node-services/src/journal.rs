//! The proxy worker's journal of submitted cfrags: request ids with the
//! block each cfrag was submitted at, appended and fsynced, so that a
//! restarted node does not submit the same cfrag again.

use ehr_primitives::RequestId;
use ehr_runtime::BlockNumber;
use parking_lot::Mutex;
use std::{
	collections::HashMap,
	fs::{self, OpenOptions},
	io::Write,
	path::PathBuf,
};

/// Request ids this proxy submitted a cfrag for, with the block it did so
/// at, kept in an append-only file.
pub struct Journal {
	path: PathBuf,
	entries: Mutex<HashMap<RequestId, BlockNumber>>,
}

impl Journal {
	/// Loads the journal at `path` (an absent file is an empty journal).
	pub fn open(path: PathBuf) -> Self {
		let mut entries = HashMap::new();
		if let Ok(text) = fs::read_to_string(&path) {
			for line in text.lines() {
				let mut parts = line.split_whitespace();
				if let (Some(Ok(id)), Some(Ok(block))) =
					(parts.next().map(str::parse::<RequestId>), parts.next().map(str::parse::<BlockNumber>))
				{
					entries.insert(id, block);
				}
			}
		}
		Journal { path, entries: Mutex::new(entries) }
	}

	/// The block at which a cfrag for `request` was last submitted.
	pub fn submitted_at(&self, request: RequestId) -> Option<BlockNumber> {
		self.entries.lock().get(&request).copied()
	}

	/// Records a submission durably.
	pub fn record(&self, request: RequestId, block: BlockNumber) -> std::io::Result<()> {
		let mut file = OpenOptions::new().create(true).append(true).open(&self.path)?;
		writeln!(file, "{request} {block}")?;
		file.sync_all()?;
		self.entries.lock().insert(request, block);
		Ok(())
	}
}
