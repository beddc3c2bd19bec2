//! Which hospital this node acts for (the member hospital whose registered
//! proxy lists the node's proxy account) and the open requests its proxy
//! serves, read from chain state.

use ehr_primitives::{AccessRequest, EhrApi, IdPage, RequestId, MAX_PAGE_SIZE};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use sp_api::ProvideRuntimeApi;
use sp_core::H256;

/// This node's proxy account, and the one hospital its operator allows it to
/// act for (`--ehr-hospital`), if the operator pinned one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeAccount {
	/// The node's proxy account (its `ehrp` key).
	pub account: AccountId,
	/// The only hospital the node acts for; `None`: whichever hospital lists
	/// its account.
	pub pinned_hospital: Option<AccountId>,
}

impl NodeAccount {
	/// The account `submitter` signs with, acting only for
	/// `pinned_hospital` if given.
	pub fn of(submitter: &dyn crate::tx::SubmitCall, pinned_hospital: Option<AccountId>) -> Self {
		NodeAccount { account: submitter.account(), pinned_hospital }
	}

	/// Whether the node may act for `hospital`: the operator pinned none, or
	/// pinned this one.
	pub fn may_act_for(&self, hospital: &AccountId) -> bool {
		self.pinned_hospital.as_ref().is_none_or(|pinned| pinned == hospital)
	}
}

/// The hospital whose proxy lists `node`'s account, at block `at`; `None`
/// if no hospital lists it, or if one other than the hospital the operator
/// pinned does (AUDIT.md finding 2: the node then acts for nobody rather
/// than for a hospital that took its account).
pub fn hospital_of<C>(client: &C, at: H256, node: &NodeAccount) -> Result<Option<AccountId>, String>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	let proxies = client.runtime_api().proxies(at).map_err(|e| format!("cannot read the proxies: {e}"))?;
	Ok(proxies
		.into_iter()
		.find(|(_, proxy)| proxy.accounts.contains(&node.account))
		.map(|(hospital, _)| hospital)
		.filter(|hospital| node.may_act_for(hospital)))
}

/// An open request, with its id, as the proxy worker reads it.
pub type OpenRequest = (RequestId, AccessRequest<AccountId, BlockNumber>);

/// Every open request that `hospital`'s proxy may serve at block `at`, read
/// page by page ([`ehr_primitives::IdPage`]), or in one call from a runtime
/// before `EhrApi` version 4 (which had no pages).
pub fn open_requests_of<C>(client: &C, at: H256, hospital: &AccountId) -> Result<Vec<OpenRequest>, String>
where
	C: ProvideRuntimeApi<Block>,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	let version = crate::ehr_api::ehr_api_version(client, at)?;
	let api = client.runtime_api();
	let failed = |e: sp_api::ApiError| format!("cannot read the open requests: {e}");
	if version < 4 {
		#[allow(deprecated)]
		return api.open_requests_for_proxy_before_version_4(at, hospital.clone()).map_err(failed);
	}
	IdPage::collect_all(|after| api.open_requests_for_proxy(at, hospital.clone(), after, MAX_PAGE_SIZE).map_err(failed))
}

/// This node's hospital, looked up once per best block rather than on every
/// read: the proxies are scanned only when the best block changes.
pub struct HospitalCache {
	node: Option<NodeAccount>,
	at: parking_lot::Mutex<Option<(H256, Option<AccountId>)>>,
}

impl HospitalCache {
	/// A cache for the node's proxy account `node` (`None`: the node has
	/// none, so it acts for no hospital).
	pub fn new(node: Option<NodeAccount>) -> Self {
		HospitalCache { node, at: parking_lot::Mutex::new(None) }
	}

	/// The hospital this node acts for at block `at`.
	pub fn hospital<C>(&self, client: &C, at: H256) -> Result<Option<AccountId>, String>
	where
		C: ProvideRuntimeApi<Block>,
		C::Api: EhrApi<Block, AccountId, BlockNumber>,
	{
		let Some(node) = &self.node else { return Ok(None) };
		if let Some((hash, hospital)) = &*self.at.lock() {
			if *hash == at {
				return Ok(hospital.clone());
			}
		}
		let hospital = hospital_of(client, at, node)?;
		*self.at.lock() = Some((at, hospital.clone()));
		Ok(hospital)
	}
}
