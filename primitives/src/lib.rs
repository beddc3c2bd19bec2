//! Types shared by the ehr-chain runtime, node and client.
//!
//! - [`types`]: the on-chain shapes of records, grants, access requests,
//!   registered parties and audit entries, with their bounds.
//! - [`umbral_codec`]: the one canonical byte encoding of Umbral objects.
//! - [`kfrags`]: making, sealing, opening and using key fragments, once for
//!   the client, the proxy worker, the pallet's mock and benchmarks, and tests.
//! - [`host`]: the `ehr_crypto` host function that verifies cfrags natively.
//! - [`consortium`]: hospital profiles and rate limits.
//! - [`EhrApi`]: the runtime API through which the node, the client and
//!   polkadot-js read the EHR state.
//! - [`ConsortiumApi`]: the member hospitals and the peers their nodes admit.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod access;
pub mod consortium;
pub mod host;
pub mod kfrags;
pub mod types;
pub mod umbral_codec;

pub use types::*;

use alloc::vec::Vec;

sp_api::decl_runtime_apis! {
	/// Read access to pallet-ehr's state. Every method is a pure read of the
	/// state at the block it is called on; pages are zero-based.
	///
	/// Version 2 added [`EhrApi::records_from_sources`], version 3
	/// [`EhrApi::parameters`], and version 4 paged the listings of grants and
	/// open requests ([`IdPage`]), so that no call reads an unbounded number
	/// of entries; version 5 finds a body's record by custodian
	/// ([`EhrApi::record_by_body_hash`]), since each custodian's records are
	/// indexed by body hash apart.
	#[api_version(5)]
	pub trait EhrApi<AccountId, BlockNumber>
	where
		AccountId: codec::Codec,
		BlockNumber: codec::Codec,
	{
		/// The records of `patient`, in creation order, `page_size` per page
		/// (capped at [`MAX_PAGE_SIZE`]).
		fn records_of_patient(patient: AccountId, page: u32, page_size: u32) -> Vec<(RecordId, Record<AccountId, BlockNumber>)>;
		/// One record.
		fn record(id: RecordId) -> Option<Record<AccountId, BlockNumber>>;
		/// The record `custodian` made for the encrypted body with this
		/// blake2-256 hash; with `custodian` `None`, a record of any
		/// custodian with that body (whether any record points at it).
		fn record_by_body_hash(body_hash: sp_core::H256, custodian: Option<AccountId>) -> Option<(RecordId, Record<AccountId, BlockNumber>)>;
		/// The record whose encrypted body has this hash (before version 5,
		/// when one record chain-wide could have a body hash).
		#[changed_in(5)]
		fn record_by_body_hash(body_hash: sp_core::H256) -> Option<(RecordId, Record<AccountId, BlockNumber>)>;
		/// One grant.
		fn grant(id: GrantId) -> Option<Grant<AccountId, BlockNumber>>;
		/// The grants `patient` has made, live or not: at most `limit`
		/// (capped at [`MAX_PAGE_SIZE`]) after grant `after` (`None`: from
		/// the start).
		fn grants_of_patient(patient: AccountId, after: Option<GrantId>, limit: u32) -> IdPage<GrantId, Grant<AccountId, BlockNumber>>;
		/// Every grant `patient` has made (before version 4: unbounded).
		#[changed_in(4)]
		fn grants_of_patient(patient: AccountId) -> Vec<(GrantId, Grant<AccountId, BlockNumber>)>;
		/// The grants made to `grantee`, live or not, paged as
		/// [`EhrApi::grants_of_patient`].
		fn grants_to_grantee(grantee: AccountId, after: Option<GrantId>, limit: u32) -> IdPage<GrantId, Grant<AccountId, BlockNumber>>;
		/// Every grant made to `grantee` (before version 4: unbounded).
		#[changed_in(4)]
		fn grants_to_grantee(grantee: AccountId) -> Vec<(GrantId, Grant<AccountId, BlockNumber>)>;
		/// One access request with the cfrags submitted so far.
		fn request(id: RequestId) -> Option<AccessRequest<AccountId, BlockNumber>>;
		/// The open, unexpired requests that name `hospital` as one of their
		/// proxies and that it may serve, looking at `limit` (capped at
		/// [`MAX_PAGE_SIZE`]) of them after request `after`.
		fn open_requests_for_proxy(hospital: AccountId, after: Option<RequestId>, limit: u32) -> IdPage<RequestId, AccessRequest<AccountId, BlockNumber>>;
		/// Every open request naming `hospital` (before version 4: unbounded).
		#[changed_in(4)]
		fn open_requests_for_proxy(hospital: AccountId) -> Vec<(RequestId, AccessRequest<AccountId, BlockNumber>)>;
		/// The patient's audit log, oldest first, `page_size` per page (capped at [`MAX_PAGE_SIZE`]).
		fn audit_log(patient: AccountId, page: u32, page_size: u32) -> Vec<AuditEntry<AccountId, BlockNumber>>;
		/// The number of entries in the patient's audit log.
		fn audit_log_len(patient: AccountId) -> u32;
		/// Every hospital's registered proxy: its node accounts and Umbral public key.
		fn proxies() -> Vec<(AccountId, ProxyInfo<AccountId>)>;
		/// A registered patient's keys.
		fn patient(account: AccountId) -> Option<PatientInfo<AccountId>>;
		/// A registered provider's key and affiliation.
		fn provider(account: AccountId) -> Option<ProviderInfo<AccountId>>;
		/// Whether `grant` is live at this block and covers `record` for
		/// reading (neither its patient nor its grantee rotated keys since,
		/// and the record's body is kept: in use, or retired within the
		/// retirement grace).
		fn grant_covers(grant: GrantId, record: RecordId) -> bool;
		/// The block in which `account` last rotated its Umbral keys, if it
		/// ever did: grants made at or before it by or to `account` no
		/// longer work and must be made again.
		fn keys_rotated_at(account: AccountId) -> Option<BlockNumber>;
		/// For each of `tags` (at most [`MAX_PAGE_SIZE`] are looked at; the
		/// answer has one entry per tag looked at), the record `custodian`
		/// created from that source, if any: how an importer finds the
		/// resource versions its hospital already registered (since version 2).
		fn records_from_sources(custodian: AccountId, tags: Vec<SourceTag>) -> Vec<Option<RecordId>>;
		/// The governed parameters in force: the reading window, the
		/// retention and the retirement grace (how long a retired record's
		/// body is kept and the record can be restored; since version 3).
		fn parameters() -> EhrParameters<BlockNumber>;
	}
}

sp_api::decl_runtime_apis! {
	/// The consortium: member hospitals, their public profiles, and the
	/// libp2p peers member nodes accept.
	///
	/// Version 2 added [`ConsortiumApi::endpoints`].
	#[api_version(2)]
	pub trait ConsortiumApi<AccountId>
	where
		AccountId: codec::Codec,
	{
		/// The member hospitals with their profiles (`None` until a member sets one).
		fn hospitals() -> Vec<(AccountId, Option<consortium::HospitalProfile>)>;
		/// The peer ids (base58 text) of every member hospital's nodes; empty
		/// when no member has registered one, in which case nodes do not
		/// restrict their peers.
		fn authorized_peers() -> Vec<consortium::PeerIdText>;
		/// The transaction rate limits in force.
		fn rate_limits() -> consortium::RateLimits;
		/// The public JSON-RPC endpoints member `hospital` publishes for its
		/// nodes, in the order to try them (empty if none, or not a member).
		#[api_version(2)]
		fn endpoints(hospital: AccountId) -> consortium::Endpoints;
	}
}
