//! When a retired record's body may go: the governed retirement grace, read
//! from chain state, decides it for upkeep (which deletes) and for reads
//! (which serve a retired record's body to its patient until then).

use ehr_primitives::{EhrApi, Record};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use sp_api::ProvideRuntimeApi;
use sp_core::H256;

/// The retirement grace in force at block `at`, in blocks; `None` when the
/// runtime there predates it (`EhrApi` version 3), in which case no retired
/// body is ever treated as deletable.
pub fn retirement_grace<C>(client: &C, at: H256) -> Result<Option<BlockNumber>, String>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	if crate::ehr_api::ehr_api_version(client, at)? < 3 {
		return Ok(None);
	}
	let parameters = client.runtime_api().parameters(at).map_err(|e| format!("cannot read the parameters: {e}"))?;
	Ok(Some(parameters.retirement_grace))
}

/// Whether `record`'s body may be deleted at block `number` under `grace`:
/// it is retired, and its retirement grace has passed (with no grace known,
/// never).
pub fn body_deletable(
	record: &Record<AccountId, BlockNumber>,
	grace: Option<BlockNumber>,
	number: BlockNumber,
) -> bool {
	grace.is_some_and(|grace| record.body_deletable_at(grace, number))
}
