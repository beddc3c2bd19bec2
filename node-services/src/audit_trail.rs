//! Audit before serve: a read is served only once the transaction that puts
//! it on the patient's audit trail is in the transaction pool, and that
//! transaction is put in the pool again if it leaves it without reaching a
//! block (../shared/AUDIT.md finding 6).
//!
//! Concurrent reads of one trail share one submission: the first read
//! submits, the others wait for its outcome, and none is served if it
//! fails. A trail counts as logged only once its submission succeeded, so
//! a failed submission leaves no read served without an entry.

use crate::tx::SubmitCall;
use ehr_primitives::{RecordId, RequestId};
use ehr_runtime::EhrCall;
use futures::{
	future::{BoxFuture, Shared},
	FutureExt,
};
use parking_lot::Mutex;
use std::{
	collections::HashMap,
	sync::Arc,
	time::{Duration, Instant},
};

/// Audit-trail submissions (fetch confirmations, patient reads) this node
/// remembers.
const CAPACITY: usize = 65_536;

/// A fetch confirmation that is still not on chain this long after it was
/// submitted (dropped from the pool more often than it is resubmitted, say)
/// is submitted again by the next read.
pub const RECONFIRM_AFTER: Duration = Duration::from_secs(30);

/// A patient's reads of one record are logged at most this often, so that
/// reading cannot use up the custodian's transaction allowance.
pub const PATIENT_READ_LOG_INTERVAL: Duration = Duration::from_secs(3600);

/// Blocks before the end of a request's reading window from which its body
/// is no longer served: the fetch confirmation submitted for a read must
/// land in a block within the window, and may wait in the pool a few blocks.
pub const CONFIRM_MARGIN_BLOCKS: u32 = 4;

/// How a served read goes on the patient's audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuditTrail {
	/// A grantee's read through this request (`confirm_fetch`, once);
	/// `logged` when the chain already holds the confirmation.
	Request {
		/// The request read through.
		id: RequestId,
		/// Whether the chain already counts the fetch.
		logged: bool,
	},
	/// The patient's read of their own record (`confirm_patient_read`).
	PatientRead(RecordId),
}

/// One submission, shared by every read of its trail that waits for it.
type Submission = Shared<BoxFuture<'static, Result<(), String>>>;

/// Where a trail's audit entry stands.
#[derive(Clone)]
enum TrailState {
	/// Its transaction went into the pool at `at`; not submitted again
	/// before `every` has passed.
	Submitted { at: Instant, every: Duration },
	/// Its submission is under way: reads of the trail wait for it.
	InFlight(Submission),
}

impl TrailState {
	fn is_current(&self) -> bool {
		match self {
			TrailState::Submitted { at, every } => at.elapsed() < *every,
			TrailState::InFlight(_) => true,
		}
	}
}

/// The audit entries of the reads this node serves, shared by the JSON-RPC
/// and the HTTP body server.
#[derive(Clone, Default)]
pub struct AuditTrails {
	trails: Arc<Mutex<HashMap<AuditTrail, TrailState>>>,
}

impl AuditTrails {
	/// Puts a read on the patient's audit trail before it is served: the
	/// fetch confirmation of a request until the chain holds it (again
	/// after [`RECONFIRM_AFTER`]), a patient's read of a record once per
	/// [`PATIENT_READ_LOG_INTERVAL`]. Returns once the entry's transaction
	/// is in the pool (`submitter` resubmits it if it is dropped before a
	/// block takes it); fails, so that nothing is served, when it cannot be
	/// put there. Concurrent reads of one trail wait for one submission.
	pub async fn log(&self, submitter: &Arc<dyn SubmitCall>, trail: AuditTrail) -> Result<(), String> {
		let (call, every) = match trail {
			AuditTrail::Request { logged: true, .. } => return Ok(()),
			AuditTrail::Request { id, logged: false } => (EhrCall::confirm_fetch { request: id }, RECONFIRM_AFTER),
			AuditTrail::PatientRead(record) => (EhrCall::confirm_patient_read { record }, PATIENT_READ_LOG_INTERVAL),
		};
		let submission = {
			let mut trails = self.trails.lock();
			match trails.get(&trail) {
				Some(TrailState::InFlight(submission)) => submission.clone(),
				Some(logged) if logged.is_current() => return Ok(()),
				_ => {
					if trails.len() >= CAPACITY {
						trails.retain(|_, state| state.is_current());
					}
					if trails.len() >= CAPACITY {
						// Forgetting a logged trail only logs a read twice.
						trails.retain(|_, state| matches!(state, TrailState::InFlight(_)));
					}
					let submitter = submitter.clone();
					let submission: Submission =
						async move { submitter.submit_until_included(call.into()).await }.boxed().shared();
					trails.insert(trail, TrailState::InFlight(submission.clone()));
					submission
				},
			}
		};
		let result = submission.clone().await;
		let mut trails = self.trails.lock();
		// Only the submission this read waited for settles the trail: a
		// newer one (after this one failed) is left to its own readers.
		if matches!(trails.get(&trail), Some(TrailState::InFlight(current)) if current.ptr_eq(&submission)) {
			match result {
				Ok(()) => trails.insert(trail, TrailState::Submitted { at: Instant::now(), every }),
				Err(_) => trails.remove(&trail),
			};
		}
		result
	}
}
