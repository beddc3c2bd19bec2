//! Reads of pallet-ehr's runtime API that depend on its version: the node
//! may run beside a runtime older than the one it was built with (before an
//! upgrade is enacted), so it asks the runtime at each block which
//! `EhrApi` version it has and calls the matching method.

use ehr_primitives::{EhrApi, Record, RecordId};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_core::H256;

/// The `EhrApi` version of the runtime at block `at` (0 if it has none).
pub fn ehr_api_version<C>(client: &C, at: H256) -> Result<u32, String>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	let version = client
		.runtime_api()
		.api_version::<dyn EhrApi<Block, AccountId, BlockNumber>>(at)
		.map_err(|e| format!("cannot read the runtime's EhrApi version: {e}"))?;
	Ok(version.unwrap_or(0))
}

/// A record with its id, as the chain holds it.
pub type RecordEntry = (RecordId, Record<AccountId, BlockNumber>);

/// The record `custodian` made for the body with hash `body_hash` at block
/// `at` (with `custodian` `None`: a record of any custodian with that
/// body), given the runtime's `EhrApi` `version` there. Before version 5
/// one record chain-wide could have a body hash; its custodian is compared.
pub fn record_with_body<C>(
	client: &C,
	at: H256,
	version: u32,
	body_hash: H256,
	custodian: Option<&AccountId>,
) -> Result<Option<RecordEntry>, String>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	let api = client.runtime_api();
	let failed = |e: sp_api::ApiError| format!("cannot look up the record of body {body_hash:?}: {e}");
	let found = if version < 5 {
		#[allow(deprecated)]
		api.record_by_body_hash_before_version_5(at, body_hash).map_err(failed)?
	} else {
		api.record_by_body_hash(at, body_hash, custodian.cloned()).map_err(failed)?
	};
	Ok(found.filter(|(_, record)| custodian.is_none_or(|custodian| &record.custodian == custodian)))
}
