//! The on-chain shapes of ehr-chain's EHR state.
//!
//! Nothing here carries clear-text health information: only ids, hashes,
//! sizes, block numbers, enums, public keys and ciphertext.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{ConstU32, H256};
use sp_runtime::BoundedVec;

/// Identifies a record; assigned in creation order, never reused.
pub type RecordId = u64;
/// Identifies a grant; assigned in creation order, never reused.
pub type GrantId = u64;
/// Identifies an access request; assigned in creation order, never reused.
pub type RequestId = u64;

/// Upper bound of an encoded Umbral public key: exactly what the canonical
/// encoding produces (34 bytes), so nothing larger decodes.
pub const MAX_PUBLIC_KEY_LEN: u32 = 34;
/// Upper bound of an encoded Umbral capsule: exactly its canonical size (101 bytes).
pub const MAX_CAPSULE_LEN: u32 = 101;
/// Upper bound of an encoded capsule fragment: exactly its canonical size (369 bytes).
pub const MAX_CFRAG_LEN: u32 = 369;
/// Upper bound of a key fragment sealed to a proxy: exactly what sealing a
/// canonical kfrag produces (a 101-byte capsule, then 340 bytes of
/// XChaCha20-Poly1305 ciphertext with its 2-byte length prefix: 443 bytes).
pub const MAX_ENCRYPTED_KFRAG_LEN: u32 = 443;
/// Upper bound of a record's encrypted metadata envelope (ciphertext): the
/// envelope's JSON (resource type, dates, file name, body key) plus 40 bytes
/// of AEAD nonce and tag.
pub const MAX_ENCRYPTED_METADATA_LEN: u32 = 2048;
/// Most proxy hospitals a grant may name (the `n` of an m-of-n grant).
pub const MAX_PROXIES: u32 = 8;

/// How many blocks a transaction signed by the node or the `ehr` client
/// stays valid (its mortal era): 64 blocks, about three minutes of 3-second
/// blocks. A transaction not in a block by then is dropped by the pool and
/// can never be included, so an old signed transaction cannot be replayed.
/// A power of two, so the era starts exactly at the block it is signed at,
/// and well below the runtime's `BlockHashCount` (2400).
pub const TX_MORTALITY_BLOCKS: u32 = 64;
/// Most records a grant may list when its scope is a list.
pub const MAX_SCOPE_RECORDS: u32 = 32;
/// Most records a patient may re-key in one `rekey_records` call.
pub const MAX_REKEY_RECORDS: u32 = 16;
/// Most records a hospital may create in one `create_records` call: an
/// import of 500 FHIR resources is 8 transactions, each well inside a block
/// (64 records of the largest envelope are about 140 KiB of call data).
pub const MAX_CREATE_RECORDS: u32 = 64;
/// Most records one `restore_records` call restores: as many as a hospital
/// may retire in one retirement window, so one consortium decision undoes a
/// window's worth of retirements by a stolen key.
pub const MAX_RESTORE_RECORDS: u32 = 100;
/// The account that stands for the consortium in audit entries of its
/// decisions (a restore the members voted): what FRAME's
/// `PalletId(*b"ehr/cnsm").into_account_truncating()` makes, `modl` then the
/// id, zero-padded. No one holds its key. Clients show it as "the consortium".
pub const CONSORTIUM_ACCOUNT: [u8; 32] = *b"modlehr/cnsm\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0";
/// Most node accounts a hospital may register for its proxy.
pub const MAX_PROXY_ACCOUNTS: u32 = 4;
/// Largest page a paged runtime API call returns.
pub const MAX_PAGE_SIZE: u32 = 256;

/// A custodian's keyed tag of the source a record was made from (for a
/// FHIR import: one version of one resource on the hospital's FHIR
/// server). It is a MAC under a key only the custodian holds, so nobody
/// else can tell which resource (or whether the same resource at another
/// hospital) a tag stands for; the custodian recomputes it to find the
/// versions it already registered.
pub type SourceTag = H256;

/// A canonical Umbral public key (see [`crate::umbral_codec`]).
pub type PublicKeyBytes = BoundedVec<u8, ConstU32<MAX_PUBLIC_KEY_LEN>>;
/// A canonical Umbral capsule.
pub type CapsuleBytes = BoundedVec<u8, ConstU32<MAX_CAPSULE_LEN>>;
/// A canonical Umbral capsule fragment.
pub type CfragBytes = BoundedVec<u8, ConstU32<MAX_CFRAG_LEN>>;
/// A key fragment encrypted to one proxy's Umbral public key.
pub type EncryptedKfragBytes = BoundedVec<u8, ConstU32<MAX_ENCRYPTED_KFRAG_LEN>>;
/// A record's metadata envelope, Umbral-encrypted to the patient.
pub type EncryptedMetadata = BoundedVec<u8, ConstU32<MAX_ENCRYPTED_METADATA_LEN>>;
/// The records a grant lists.
pub type ScopeRecords = BoundedVec<RecordId, ConstU32<MAX_SCOPE_RECORDS>>;

/// Standard purposes of use (after HL7's PurposeOfUse), stated by the patient
/// in a grant.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub enum Purpose {
	/// Treatment of the patient.
	Treatment,
	/// Payment for care (insurers).
	Payment,
	/// Healthcare operations (quality, administration).
	Operations,
	/// Research the patient consented to.
	Research,
	/// Emergency care.
	Emergency,
	/// The patient's own request (for example, a copy to a new provider).
	PatientRequest,
	/// A legal obligation.
	Legal,
}

/// Which of the patient's records a grant covers.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub enum Scope {
	/// Only these records.
	Records(ScopeRecords),
	/// Every record of the patient, present and future.
	AllRecords,
}

impl Scope {
	/// Whether this scope covers `record` (a record of the grant's patient).
	pub fn covers(&self, record: RecordId) -> bool {
		match self {
			Scope::Records(records) => records.contains(&record),
			Scope::AllRecords => true,
		}
	}
}

/// The id umbral-pre gives a key fragment (32 random bytes). Every cfrag
/// carries the id of the kfrag it was made with, so the runtime can tell
/// fragments apart and tie each to the proxy it was sealed to.
pub type KfragId = [u8; 32];

/// One proxy hospital of a grant, with the kfrag the patient encrypted to it.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct GrantProxy<AccountId> {
	/// The proxy hospital (its controller account).
	pub hospital: AccountId,
	/// The kfrag for this proxy, Umbral-encrypted to its proxy public key.
	pub encrypted_kfrag: EncryptedKfragBytes,
	/// The id of the kfrag sealed in `encrypted_kfrag`: only cfrags made
	/// with this kfrag are accepted from this proxy. Every new grant states
	/// it; `None` only on grants made before storage version 2.
	pub kfrag_id: Option<KfragId>,
}

/// A record's locator entry. The body stays encrypted with its custodian.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Record<AccountId, BlockNumber> {
	/// The patient the record is about; its capsule is made for their key.
	pub patient: AccountId,
	/// The hospital that holds the encrypted body.
	pub custodian: AccountId,
	/// The Umbral capsule of the metadata envelope.
	pub capsule: CapsuleBytes,
	/// The metadata envelope (descriptive metadata plus body key), encrypted.
	pub encrypted_metadata: EncryptedMetadata,
	/// blake2-256 of the encrypted body.
	pub body_hash: H256,
	/// Size of the encrypted body in bytes.
	pub body_size: u64,
	/// The block the record was created in.
	pub created_at: BlockNumber,
	/// The block the record was retired in, if it is retired. A retired
	/// record can no longer be shared; its body is kept for the governed
	/// [`EhrParameters::retirement_grace`], during which the patient or the
	/// consortium can restore it ([`Record::body_kept_until`]).
	pub retired_at: Option<BlockNumber>,
}

impl<AccountId, BlockNumber: sp_runtime::Saturating + Copy> Record<AccountId, BlockNumber> {
	/// For a retired record, the first block at which its custodian may
	/// delete the body (`retired_at + grace`): until the block before it the
	/// record can be restored and its body is still served to its patient
	/// and to requests that were ready. `None` for a record in use.
	pub fn body_kept_until(&self, grace: BlockNumber) -> Option<BlockNumber> {
		self.retired_at.map(|retired| retired.saturating_add(grace))
	}

	/// Whether the custodian may delete the body at block `number`: the
	/// record is retired and its grace has passed (it can no longer be
	/// restored or read). The one rule the pallet, upkeep and clients apply.
	pub fn body_deletable_at(&self, grace: BlockNumber, number: BlockNumber) -> bool
	where
		BlockNumber: PartialOrd,
	{
		self.body_kept_until(grace).is_some_and(|kept_until| number >= kept_until)
	}
}

/// The consortium's governed parameters of pallet-ehr.
#[derive(
	Clone, Copy, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug, Default,
)]
pub struct EhrParameters<BlockNumber> {
	/// Blocks a ready request stays readable: the custodian serves the body
	/// and confirms the fetch only until `ready block + reading_window`.
	pub reading_window: BlockNumber,
	/// Blocks a finished request (ready and past its reading window, or
	/// expired) or an ended grant (revoked or expired) is kept before the
	/// pruner removes it. Audit entries are never pruned.
	pub retention: BlockNumber,
	/// Blocks a retired record's body is kept before its custodian may
	/// delete it: the patient or the consortium can restore the record until
	/// then, so neither a stolen hospital key nor a stolen patient key
	/// destroys a body at once.
	pub retirement_grace: BlockNumber,
}

/// One record a custodian creates in a `create_records` batch.
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct NewRecord<AccountId> {
	/// The patient the record is about (registered).
	pub patient: AccountId,
	/// The Umbral capsule of the metadata envelope, made for the patient's key.
	pub capsule: CapsuleBytes,
	/// The metadata envelope, encrypted.
	pub encrypted_metadata: EncryptedMetadata,
	/// blake2-256 of the encrypted body, which the custodian already holds.
	pub body_hash: H256,
	/// Size of the encrypted body in bytes.
	pub body_size: u64,
	/// The custodian's keyed tag of the record's source, if it has one; a
	/// custodian registers each source once.
	pub source: Option<SourceTag>,
}

/// A patient's grant of access to a grantee.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct Grant<AccountId, BlockNumber> {
	/// The patient who made the grant.
	pub patient: AccountId,
	/// The registered provider (or patient) the grant is for.
	pub grantee: AccountId,
	/// The records covered.
	pub scope: Scope,
	/// How many proxies must deliver a verified cfrag (`m`).
	pub threshold: u8,
	/// The proxies (`n` of them) with their encrypted kfrags.
	pub proxies: BoundedVec<GrantProxy<AccountId>, ConstU32<MAX_PROXIES>>,
	/// The last block at which the grant is live, if it expires.
	pub expires_at: Option<BlockNumber>,
	/// The stated purpose of use.
	pub purpose: Purpose,
	/// The block the grant was made in.
	pub created_at: BlockNumber,
	/// The block the patient revoked it in, if they did.
	pub revoked_at: Option<BlockNumber>,
}

impl<AccountId: PartialEq, BlockNumber: PartialOrd> Grant<AccountId, BlockNumber> {
	/// Whether the grant is live at block `now`: not revoked and not expired.
	pub fn is_live(&self, now: &BlockNumber) -> bool {
		self.revoked_at.is_none() && self.expires_at.as_ref().is_none_or(|end| now <= end)
	}

	/// Whether `hospital` is one of the grant's proxies.
	pub fn has_proxy(&self, hospital: &AccountId) -> bool {
		self.proxies.iter().any(|p| &p.hospital == hospital)
	}
}

/// Where an access request stands.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum RequestStatus {
	/// Waiting for verified cfrags.
	Open,
	/// `threshold` verified cfrags are on chain; the grantee can open the capsule.
	Ready,
	/// Not ready in time; no more cfrags are accepted.
	Expired,
}

/// A verified cfrag delivered by one proxy hospital.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct DeliveredCfrag<AccountId> {
	/// The proxy hospital that delivered it.
	pub hospital: AccountId,
	/// The canonical cfrag, verified by the runtime on submission.
	pub cfrag: CfragBytes,
}

/// A grantee's request to open one record under one grant.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct AccessRequest<AccountId, BlockNumber> {
	/// The grant the request is made under.
	pub grant: GrantId,
	/// The record asked for.
	pub record: RecordId,
	/// The grantee who asked.
	pub grantee: AccountId,
	/// The patient whose record it is.
	pub patient: AccountId,
	/// The block the request was opened in.
	pub opened_at: BlockNumber,
	/// While the request is open: the last block at which cfrags are
	/// accepted. Once it is ready: the last block of its reading window, in
	/// which the custodian may serve the body and confirm it once.
	pub expires_at: BlockNumber,
	/// The verified cfrags delivered so far.
	pub cfrags: BoundedVec<DeliveredCfrag<AccountId>, ConstU32<MAX_PROXIES>>,
	/// Where the request stands.
	pub status: RequestStatus,
	/// How many times the custodian confirmed serving the body: 0 or 1 (a
	/// fetch is confirmed once per request and reading window).
	pub fetches: u32,
}

/// A hospital's registered proxy.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ProxyInfo<AccountId> {
	/// The node accounts that may submit cfrags and confirm fetches for it.
	pub accounts: BoundedVec<AccountId, ConstU32<MAX_PROXY_ACCOUNTS>>,
	/// The proxy's Umbral public key; patients encrypt kfrags to it.
	pub public_key: PublicKeyBytes,
}

/// A registered patient's keys.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct PatientInfo<AccountId> {
	/// The Umbral public key records are encrypted to.
	pub public_key: PublicKeyBytes,
	/// The Umbral verifying key that signs the patient's kfrags.
	pub verifying_key: PublicKeyBytes,
	/// The hospital that onboarded the patient.
	pub onboarded_by: AccountId,
}

/// A registered provider (clinician, lab, insurer, researcher).
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct ProviderInfo<AccountId> {
	/// The Umbral public key grants re-encrypt to.
	pub public_key: PublicKeyBytes,
	/// The hospital the provider works for, if any.
	pub affiliation: Option<AccountId>,
	/// The hospital that onboarded the provider.
	pub onboarded_by: AccountId,
}

/// What an audit entry records.
#[derive(Clone, Copy, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub enum AuditAction {
	/// A custodian created a record.
	RecordCreated,
	/// The custodian or the patient retired a record.
	RecordRetired,
	/// The patient made a grant.
	GrantCreated,
	/// The patient revoked a grant.
	GrantRevoked,
	/// A grantee opened an access request.
	AccessRequested,
	/// A proxy delivered a verified cfrag.
	CfragAccepted,
	/// A request reached its threshold.
	RequestReady,
	/// A request expired before it was ready.
	RequestExpired,
	/// The custodian served the body to the grantee.
	FetchConfirmed,
	/// The custodian served the record's body to the patient.
	PatientRead,
	/// The patient or the consortium restored a retired record before its
	/// body could be deleted.
	RecordRestored,
}

/// One entry of a patient's on-chain access log.
#[derive(Clone, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo, Debug)]
pub struct AuditEntry<AccountId, BlockNumber> {
	/// The block the action happened in.
	pub block: BlockNumber,
	/// Who acted (for an expiry: the patient's own account).
	pub actor: AccountId,
	/// What happened.
	pub action: AuditAction,
	/// The record concerned, if any.
	pub record: Option<RecordId>,
	/// The grant concerned, if any.
	pub grant: Option<GrantId>,
	/// The request concerned, if any.
	pub request: Option<RequestId>,
}

/// What a person signs with their account key to prove that the Umbral keys
/// a hospital registers for them are their own: the chain's genesis hash (so
/// the proof is good on one chain only), the account, the Umbral public key
/// and, for a patient, the verifying key. The runtime checks the signature
/// over [`KeyOwnership::signing_payload`]; the client makes it with
/// `ehr keys export-public`.
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct KeyOwnership<AccountId, Hash> {
	/// The genesis hash of the chain the keys are registered on.
	pub genesis_hash: Hash,
	/// The person's account.
	pub account: AccountId,
	/// The person's canonical Umbral public key.
	pub public_key: alloc::vec::Vec<u8>,
	/// The patient's canonical Umbral verifying key (`None` for a provider).
	pub verifying_key: Option<alloc::vec::Vec<u8>>,
}

/// Domain separator of [`KeyOwnership`] proofs: a signature made for any
/// other purpose never verifies as one.
pub const KEY_OWNERSHIP_CONTEXT: &[u8] = b"ehr-chain/key-ownership/v1";

impl<AccountId: Encode, Hash: Encode> KeyOwnership<AccountId, Hash> {
	/// The bytes the person signs: the context, then the SCALE encoding.
	pub fn signing_payload(&self) -> alloc::vec::Vec<u8> {
		signing_payload(KEY_OWNERSHIP_CONTEXT, self)
	}

	/// The same payload as wallets sign it with `signRaw` (polkadot-js wraps
	/// raw messages in `<Bytes>` tags); the runtime accepts either form.
	pub fn wrapped_signing_payload(&self) -> alloc::vec::Vec<u8> {
		wrapped_in_bytes_tags(self.signing_payload())
	}
}

/// One page of a listing the chain keeps by id (a patient's grants, a
/// grantee's grants, a proxy's open requests): the entries found, and the
/// id to ask after for the next page (`None`: the listing ends here). The
/// chain keeps such listings in the order of a hash of the id, so a client
/// that wants them by id sorts them itself. A page looks at a bounded
/// number of ids, so it may hold fewer entries than asked for (those that
/// no longer qualify) and still not be the last.
#[derive(Clone, PartialEq, Eq, Encode, Decode, TypeInfo, Debug)]
pub struct IdPage<Id, Item> {
	/// The entries of this page, with their ids.
	pub items: alloc::vec::Vec<(Id, Item)>,
	/// The last id this page looked at, when there may be more.
	pub next_after: Option<Id>,
}

impl<Id: Copy, Item> IdPage<Id, Item> {
	/// Every entry of a listing, asking `fetch` for the page after each
	/// page's `next_after` (first `None`) until there is none.
	pub fn collect_all<E>(
		mut fetch: impl FnMut(Option<Id>) -> Result<Self, E>,
	) -> Result<alloc::vec::Vec<(Id, Item)>, E> {
		let mut all = alloc::vec::Vec::new();
		let mut after = None;
		loop {
			let page = fetch(after)?;
			all.extend(page.items);
			match page.next_after {
				Some(id) => after = Some(id),
				None => return Ok(all),
			}
		}
	}
}

/// A node account's consent to act for one hospital as its proxy node, on
/// one chain: what `register_proxy` needs, signed by the node account, for
/// every account the hospital does not list already. Without it a member
/// could list another hospital's new node account (read from its public
/// `ehr_status`) as its own and have that node serve the wrong hospital.
/// The node makes it with its `ehrp` key (`ehr_proxyAccountConsent`, an
/// unsafe RPC method, so only its operator can ask for it).
#[derive(Clone, PartialEq, Eq, Encode, Decode, Debug)]
pub struct ProxyAccountConsent<AccountId, Hash> {
	/// The genesis hash of the chain the node account is registered on.
	pub genesis_hash: Hash,
	/// The hospital the node account agrees to act for.
	pub hospital: AccountId,
	/// The node account.
	pub account: AccountId,
}

/// Domain separator of [`ProxyAccountConsent`] signatures.
pub const PROXY_ACCOUNT_CONSENT_CONTEXT: &[u8] = b"ehr-chain/proxy-account/v1";

impl<AccountId: Encode, Hash: Encode> ProxyAccountConsent<AccountId, Hash> {
	/// The bytes the node account signs: the context, then the SCALE encoding.
	pub fn signing_payload(&self) -> alloc::vec::Vec<u8> {
		signing_payload(PROXY_ACCOUNT_CONSENT_CONTEXT, self)
	}
}

/// One node account in a `register_proxy` call, with its
/// [`ProxyAccountConsent`] signature. The consent may be left out for the
/// hospital's own account (the transaction's signature is its consent) and
/// for an account the hospital's proxy already lists (it consented then).
#[derive(Clone, PartialEq, Eq, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo, Debug)]
pub struct ProxyNodeAccount<AccountId, Signature> {
	/// The node account.
	pub account: AccountId,
	/// Its signature over its [`ProxyAccountConsent`] for this hospital.
	pub consent: Option<Signature>,
}

/// `context` followed by the SCALE encoding of `statement`: what a signed
/// statement of this chain signs, so that no signature made for one
/// purpose verifies for another.
fn signing_payload(context: &[u8], statement: &impl Encode) -> alloc::vec::Vec<u8> {
	let mut payload = context.to_vec();
	statement.encode_to(&mut payload);
	payload
}

/// `payload` wrapped in `<Bytes>` tags, as polkadot-js wallets sign raw
/// messages (`signRaw`).
fn wrapped_in_bytes_tags(payload: alloc::vec::Vec<u8>) -> alloc::vec::Vec<u8> {
	let mut wrapped = b"<Bytes>".to_vec();
	wrapped.extend(payload);
	wrapped.extend(b"</Bytes>");
	wrapped
}
