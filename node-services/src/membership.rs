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

/// This node's hospital, looked up once per best block rather than on every
/// read: the proxies are scanned only when the best block changes.
pub struct HospitalCache {
	account: Option<AccountId>,
	at: parking_lot::Mutex<Option<(H256, Option<AccountId>)>>,
}

impl HospitalCache {
	/// A cache for the node's proxy `account` (`None`: the node has none,
	/// so it acts for no hospital).
	pub fn new(account: Option<AccountId>) -> Self {
		HospitalCache { account, at: parking_lot::Mutex::new(None) }
	}

	/// The hospital this node acts for at block `at`.
	pub fn hospital<C>(&self, client: &C, at: H256) -> Result<Option<AccountId>, String>
	where
		C: ProvideRuntimeApi<Block>,
		C::Api: EhrApi<Block, AccountId, BlockNumber>,
	{
		let Some(account) = &self.account else { return Ok(None) };
		if let Some((hash, hospital)) = &*self.at.lock() {
			if *hash == at {
				return Ok(hospital.clone());
			}
		}
		let hospital = hospital_of(client, at, account)?;
		*self.at.lock() = Some((at, hospital.clone()));
		Ok(hospital)
	}
}
