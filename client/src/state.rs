//! The chain's EHR state, read through the runtime APIs (`EhrApi`,
//! `ConsortiumApi`) with subxt's typed `runtime::runtime_apis()`: the method names
//! and argument types come from the runtime's metadata, and the results are
//! `ehr_primitives`' own types (substituted in [`crate::chain::runtime`]), so
//! nothing here names a method by string or re-encodes a value. Every read
//! is at the best block, where the node's proxies and custodians act.

use crate::chain::{runtime, AccountId, Chain};
use anyhow::Result;
use ehr_primitives::{
	consortium::HospitalProfile, AccessRequest, AuditEntry, EhrParameters, Grant, GrantId, PatientInfo, ProviderInfo,
	ProxyInfo, Record, RecordId, RequestId, MAX_PAGE_SIZE,
};
use subxt::utils::Static;

/// An account id as the primitives' types hold it.
pub type SpAccount = sp_core::crypto::AccountId32;
/// A record as `EhrApi` returns it.
pub type ChainRecord = Record<SpAccount, u32>;
/// A grant as `EhrApi` returns it.
pub type ChainGrant = Grant<SpAccount, u32>;
/// An access request as `EhrApi` returns it.
pub type ChainRequest = AccessRequest<SpAccount, u32>;
/// A patient's registration as `EhrApi` returns it.
pub type ChainPatient = PatientInfo<SpAccount>;
/// A provider's registration as `EhrApi` returns it.
pub type ChainProvider = ProviderInfo<SpAccount>;
/// A hospital proxy's registration as `EhrApi` returns it.
pub type ChainProxy = ProxyInfo<SpAccount>;
/// An audit entry as `EhrApi` returns it.
pub type ChainAuditEntry = AuditEntry<SpAccount, u32>;
/// A page of grants as `EhrApi` returns it.
type GrantPage = runtime::runtime_types::ehr_primitives::types::IdPage<GrantId, Static<ChainGrant>>;

/// The retirement grace and the best block number, read once for a
/// command's records ([`Chain::retirement_clock`]).
#[derive(Clone, Copy, Debug)]
pub struct RetirementClock {
	/// Blocks a retired record's body is kept.
	pub grace: u32,
	/// The best block number.
	pub now: u32,
}

impl RetirementClock {
	/// Whether `record` is retired and its grace has passed: its body may be
	/// gone and it can no longer be restored.
	pub fn body_gone(&self, record: &ChainRecord) -> bool {
		record.body_deletable_at(self.grace, self.now)
	}
}

fn unwrap_all<K, T>(items: Vec<(K, Static<T>)>) -> Vec<(K, T)> {
	items.into_iter().map(|(key, Static(value))| (key, value)).collect()
}

impl Chain {
	/// A record by id.
	pub async fn record(&self, id: RecordId) -> Result<Option<ChainRecord>> {
		Ok(self.runtime_api(runtime::runtime_apis().ehr_api().record(id)).await?.map(|Static(r)| r))
	}

	/// One page of a patient's records, oldest first.
	pub async fn records_of_patient(
		&self,
		patient: &AccountId,
		page: u32,
		page_size: u32,
	) -> Result<Vec<(RecordId, ChainRecord)>> {
		let api = runtime::runtime_apis().ehr_api().records_of_patient(*patient, page, page_size);
		Ok(unwrap_all(self.runtime_api(api).await?))
	}

	/// An access request by id.
	pub async fn request(&self, id: RequestId) -> Result<Option<ChainRequest>> {
		Ok(self.runtime_api(runtime::runtime_apis().ehr_api().request(id)).await?.map(|Static(r)| r))
	}

	/// The grants a patient gave, every page.
	pub async fn grants_of_patient(&self, patient: &AccountId) -> Result<Vec<(GrantId, ChainGrant)>> {
		self.grant_pages(|after| runtime::runtime_apis().ehr_api().grants_of_patient(*patient, after, MAX_PAGE_SIZE))
			.await
	}

	/// The grants someone holds, every page.
	pub async fn grants_to_grantee(&self, grantee: &AccountId) -> Result<Vec<(GrantId, ChainGrant)>> {
		self.grant_pages(|after| runtime::runtime_apis().ehr_api().grants_to_grantee(*grantee, after, MAX_PAGE_SIZE))
			.await
	}

	/// Every grant of a listing the chain pages by id: asks for the page
	/// after the last id looked at until the chain says there is no more.
	async fn grant_pages<P>(&self, page: impl Fn(Option<GrantId>) -> P) -> Result<Vec<(GrantId, ChainGrant)>>
	where
		P: subxt::runtime_apis::Payload<ReturnType = GrantPage>,
	{
		let mut all = Vec::new();
		let mut after = None;
		loop {
			let GrantPage { items, next_after } = self.runtime_api(page(after)).await?;
			all.extend(unwrap_all(items));
			match next_after {
				Some(id) => after = Some(id),
				None => return Ok(all),
			}
		}
	}

	/// One page of a patient's audit log, oldest first.
	pub async fn audit_log(&self, patient: &AccountId, page: u32, page_size: u32) -> Result<Vec<ChainAuditEntry>> {
		let entries = self.runtime_api(runtime::runtime_apis().ehr_api().audit_log(*patient, page, page_size)).await?;
		Ok(entries.into_iter().map(|Static(e)| e).collect())
	}

	/// How many entries a patient's audit log holds.
	pub async fn audit_log_len(&self, patient: &AccountId) -> Result<u32> {
		self.runtime_api(runtime::runtime_apis().ehr_api().audit_log_len(*patient)).await
	}

	/// The registered hospital proxies, by hospital.
	pub async fn proxies(&self) -> Result<Vec<(AccountId, ChainProxy)>> {
		Ok(unwrap_all(self.runtime_api(runtime::runtime_apis().ehr_api().proxies()).await?))
	}

	/// A patient's registration.
	pub async fn patient(&self, account: &AccountId) -> Result<Option<ChainPatient>> {
		Ok(self.runtime_api(runtime::runtime_apis().ehr_api().patient(*account)).await?.map(|Static(p)| p))
	}

	/// A provider's registration.
	pub async fn provider(&self, account: &AccountId) -> Result<Option<ChainProvider>> {
		Ok(self.runtime_api(runtime::runtime_apis().ehr_api().provider(*account)).await?.map(|Static(p)| p))
	}

	/// The governed parameters in force: reading window, retention and
	/// retirement grace.
	pub async fn parameters(&self) -> Result<EhrParameters<u32>> {
		Ok(self.runtime_api(runtime::runtime_apis().ehr_api().parameters()).await?.0)
	}

	/// The retirement grace in force and the best block: what decides
	/// whether a retired record's body is still kept.
	pub async fn retirement_clock(&self) -> Result<RetirementClock> {
		Ok(RetirementClock { grace: self.parameters().await?.retirement_grace, now: self.best_number().await? })
	}

	/// The block at which `account` last rotated its keys, if ever.
	pub async fn keys_rotated_at(&self, account: &AccountId) -> Result<Option<u32>> {
		self.runtime_api(runtime::runtime_apis().ehr_api().keys_rotated_at(*account)).await
	}

	/// The public JSON-RPC endpoints member `hospital` publishes for its
	/// nodes, in the order to try them (`ConsortiumApi` version 2).
	pub async fn endpoints(&self, hospital: &AccountId) -> Result<Vec<String>> {
		let list = self.runtime_api(runtime::runtime_apis().consortium_api().endpoints(*hospital)).await?;
		Ok(list.0.into_iter().filter_map(|url| String::from_utf8(url.0).ok()).collect())
	}

	/// Fails with a sentence unless `account` is a member hospital: what a
	/// command that signs as the hospital checks before it signs.
	pub async fn ensure_member(&self, account: &AccountId) -> Result<()> {
		if !self.hospitals().await?.iter().any(|(member, _)| member == account) {
			anyhow::bail!("{} is not a member hospital; use the hospital's key file", crate::chain::ss58(account));
		}
		Ok(())
	}

	/// The member hospitals with their public profiles.
	pub async fn hospitals(&self) -> Result<Vec<(AccountId, Option<HospitalProfile>)>> {
		let hospitals = self.runtime_api(runtime::runtime_apis().consortium_api().hospitals()).await?;
		Ok(hospitals.into_iter().map(|(account, profile)| (account, profile.map(|Static(p)| p))).collect())
	}
}
