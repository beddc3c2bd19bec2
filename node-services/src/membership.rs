//! Which hospital this node acts for: the member hospital whose registered
//! proxy lists the node's proxy account, read from chain state.

use ehr_primitives::EhrApi;
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use sp_api::ProvideRuntimeApi;
use sp_core::H256;

/// The hospital whose proxy `account` is a node account of, at block `at`;
/// `None` if no hospital registered it.
pub fn hospital_of<C>(client: &C, at: H256, account: &AccountId) -> Result<Option<AccountId>, String>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	let proxies = client.runtime_api().proxies(at).map_err(|e| format!("cannot read the proxies: {e}"))?;
	Ok(proxies.into_iter().find(|(_, proxy)| proxy.accounts.contains(account)).map(|(hospital, _)| hospital))
}
