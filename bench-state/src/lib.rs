//! The scale benchmarks' harness (issue 17, item 5): grows an ehr-chain
//! development database to a given number of records by writing, block by
//! block, the state changes that pallet-ehr's own calls make, and measures
//! on that database what must stay flat as the chain grows.
//!
//! How the state is written ([`grow`]): the harness opens the node's
//! database (ParityDB) through the node's own service, runs the runtime's
//! calls natively (`register_patient`, `create_records`, `register_proxy`,
//! `grant`, `request_access`) in externalities over the best block's state,
//! and imports the resulting storage changes as one finalized block, with
//! frame-system's `initialize` and `finalize` around them so that the block's
//! header, number and state root are what a real block would have. Only the
//! block's transactions are missing: the chain it makes can be read and
//! extended by its own node, but not synced by another one, so this is a
//! benchmark tool that never runs in the node binary. GRANDPA's voter is
//! then told to start from the last written block ([`finality`]).
//!
//! What it measures ([`measure`]): in wasm, on that database, the time to
//! apply signed `create_record` and `submit_cfrag` transactions next to
//! `system.remark` transactions of the same length in the same block, and
//! the latency of the `recordsOfPatient` and `auditLog` runtime APIs; the
//! number of `create_record`s (and of same-length remarks) one block takes,
//! and the time a fresh process takes to import such a full block
//! (`capacity`, `import-block`). The
//! test `costs_at_scale` adds node start time, `ehr_getBlob`'s
//! authorization latency and the database's size (see docs/benchmarks.md).

pub mod finality;
pub mod fixture;
pub mod grow;
pub mod measure;

use std::path::{Path, PathBuf};

/// What `grow` leaves for `measure` in the base path: the patient count and
/// the open requests it made, each with a cfrag that verifies.
#[derive(Clone, Debug, Default, codec::Encode, codec::Decode)]
pub struct BenchState {
	/// Patients registered (accounts [`fixture::patient`] `0..patients`).
	pub patients: u32,
	/// Records created (ids `0..records`; record `r` is patient `r % patients`'s).
	pub records: u64,
	/// Open requests naming the harness's proxy, with a valid cfrag for each.
	pub requests: Vec<(ehr_primitives::RequestId, Vec<u8>)>,
}

/// The file in the base path that holds the [`BenchState`].
pub fn state_file(base_path: &Path) -> PathBuf {
	base_path.join("ehr-bench-state.scale")
}

impl BenchState {
	/// Reads the state `grow` left in `base_path`, or an empty one.
	pub fn load(base_path: &Path) -> Result<BenchState, String> {
		match std::fs::read(state_file(base_path)) {
			Ok(bytes) => <BenchState as codec::Decode>::decode(&mut &bytes[..])
				.map_err(|e| format!("{} is not a bench state: {e}", state_file(base_path).display())),
			Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BenchState::default()),
			Err(e) => Err(format!("cannot read {}: {e}", state_file(base_path).display())),
		}
	}

	/// Writes it to `base_path`.
	pub fn save(&self, base_path: &Path) -> Result<(), String> {
		std::fs::write(state_file(base_path), codec::Encode::encode(self))
			.map_err(|e| format!("cannot write {}: {e}", state_file(base_path).display()))
	}
}
