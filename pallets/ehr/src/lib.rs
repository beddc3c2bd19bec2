//! # pallet-ehr
//!
//! ehr-chain's record locator and consent engine.
//!
//! - Hospitals (answered by [`Config::Hospitals`]) register their Umbral
//!   proxy, onboard patients and providers, and create records whose bodies
//!   they keep, encrypted, as custodians.
//! - Patients grant access (scope, threshold, proxies, expiry, purpose) and
//!   revoke it.
//! - Grantees open access requests; the grant's proxies re-encrypt the
//!   record's capsule and submit capsule fragments, which the runtime
//!   verifies before accepting. With `threshold` verified cfrags a request is
//!   ready; the custodian confirms when it served the body.
//! - Every step lands in the patient's on-chain audit log.
//!
//! - Finished requests and ended grants are pruned after a governed
//!   retention (`pruning`); their audit entries stay.
//!
//! Dispatchables only check the origin and call a `do_*` function of the
//! module that owns the concern (`registry`, `records`, `grants`,
//! `requests`, `audit`, `pruning`). See docs/protocol.md for the protocol and
//! docs/privacy.md for what the chain reveals.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

mod audit;
mod call_weights;
mod grants;
mod invariants;
pub mod migrations;
mod pages;
mod pruning;
mod quotas;
mod records;
mod registry;
mod requests;
mod retirement;
pub mod types;
pub mod weights;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;

pub use call_weights::*;
pub use retirement::{Restorer, CONSORTIUM_PALLET_ID};
pub use types::*;
pub use weights::WeightInfo;

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_support::pallet_prelude::*;
	use frame_system::pallet_prelude::*;
	use sp_runtime::traits::{IdentifyAccount, Verify, Zero};

	/// The in-code storage version: 2 added each grant proxy's kfrag id
	/// ([`migrations::v2`]), 3 the proxy-key index ([`migrations::v3`]), 4
	/// the retirement grace among the parameters ([`migrations::v4`]), 5 the
	/// body-hash index keyed by custodian ([`migrations::v5`], a multi-block
	/// migration).
	pub const STORAGE_VERSION: StorageVersion = StorageVersion::new(5);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// Who may act as a member hospital: an origin check whose success
		/// value is the hospital's account (as pallet-nfts' `CreateOrigin`).
		/// The runtime uses the consortium's `EnsureHospital`: signed by a
		/// member of the hospital membership.
		type HospitalOrigin: EnsureOrigin<Self::RuntimeOrigin, Success = Self::AccountId>;
		/// Who the member hospitals are, for the invariants and benchmarks
		/// (the consortium answers this).
		type Hospitals: HospitalMembership<Self::AccountId>;
		/// Blocks an access request stays open waiting for cfrags.
		#[pallet::constant]
		type RequestTimeout: Get<BlockNumberFor<Self>>;
		/// Most access requests that may be opened in one block (bounds the
		/// expiry work of a later block).
		#[pallet::constant]
		type MaxRequestsPerBlock: Get<u32>;
		/// Most access requests one grantee may open in one block, so that no
		/// single sender can use up [`Config::MaxRequestsPerBlock`].
		#[pallet::constant]
		type MaxRequestsPerGranteePerBlock: Get<u32>;
		/// Most access requests that the people one hospital onboarded may
		/// open together in one block: a hospital's sybil grantees take at
		/// most this share of [`Config::MaxRequestsPerBlock`].
		#[pallet::constant]
		type MaxRequestsPerHospitalPerBlock: Get<u32>;
		/// Most access requests on one patient's records in one block.
		#[pallet::constant]
		type MaxRequestsPerPatientPerBlock: Get<u32>;
		/// Blocks of one registration window: a hospital registers at most
		/// [`Config::MaxRegistrationsPerWindow`] people in a window.
		#[pallet::constant]
		type RegistrationWindow: Get<BlockNumberFor<Self>>;
		/// Most people (patients and providers) one hospital registers in one
		/// [`Config::RegistrationWindow`], which bounds the sybils a member,
		/// or its stolen key, can make.
		#[pallet::constant]
		type MaxRegistrationsPerWindow: Get<u32>;
		/// Most records one hospital creates in one
		/// [`Config::RegistrationWindow`] for patients it did not register:
		/// records for its own patients are bounded by its admission window
		/// alone, records for anyone else's also by this, so a member (or its
		/// stolen key) cannot fill other hospitals' patients' lists.
		#[pallet::constant]
		type MaxRecordsForOthersPerWindow: Get<u32>;
		/// Most stored requests and grants the pruner looks at in one block
		/// (it also stops when the block's spare weight runs out).
		#[pallet::constant]
		type MaxPrunePerBlock: Get<u32>;
		/// Blocks of one retirement window: an account retires at most
		/// [`Config::MaxRetirementsPerWindow`] records in a window, which
		/// starts with its first retirement after the previous one ended.
		#[pallet::constant]
		type RetirementWindow: Get<BlockNumberFor<Self>>;
		/// Most records one account (a custodian or a patient) retires in one
		/// [`Config::RetirementWindow`]: bulk retirement by a stolen key is
		/// slowed to what the members and patients can follow and undo.
		#[pallet::constant]
		type MaxRetirementsPerWindow: Get<u32>;
		/// The reading window, retention and retirement grace until the
		/// consortium sets them.
		#[pallet::constant]
		type DefaultParameters: Get<EhrParameters<BlockNumberFor<Self>>>;
		/// The signature a person makes over their [`KeyOwnership`] proof
		/// (the runtime's `MultiSignature`).
		type OwnershipSignature: Verify<Signer = Self::OwnershipSigner> + Parameter;
		/// The public key behind an [`Config::OwnershipSignature`], which
		/// names the person's account.
		type OwnershipSigner: IdentifyAccount<AccountId = Self::AccountId> + Clone;
		/// Decisions of the consortium (two thirds of the members): sets the
		/// reading window and the retention.
		type GovernanceOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Weights generated by benchmarking.rs.
		type WeightInfo: WeightInfo;
		/// Makes key-ownership proofs for benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::OwnershipSigner, Self::OwnershipSignature>;
	}

	/// Each hospital's proxy: node accounts and Umbral public key.
	#[pallet::storage]
	pub type Proxies<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ProxyInfo<T::AccountId>>;

	/// The hospital a proxy node account acts for.
	#[pallet::storage]
	pub type ProxyAccountOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId>;

	/// The hospital whose proxy has this Umbral public key: each proxy key
	/// belongs to one hospital, so a grant's proxies are as many
	/// independent keys as it names.
	#[pallet::storage]
	pub type ProxyByKey<T: Config> = StorageMap<_, Blake2_128Concat, PublicKeyBytes, T::AccountId>;

	/// Registered patients and their Umbral keys.
	#[pallet::storage]
	pub type Patients<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, PatientInfo<T::AccountId>>;

	/// Registered providers, their Umbral key and affiliation.
	#[pallet::storage]
	pub type Providers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, ProviderInfo<T::AccountId>>;

	/// Every record's locator entry.
	#[pallet::storage]
	pub type Records<T: Config> = StorageMap<_, Twox64Concat, RecordId, RecordOf<T>>;

	/// The record each custodian made for the encrypted body with this
	/// blake2-256 hash: how a custodian's blob store finds the record a
	/// stored body belongs to. Keyed by custodian too, so that the same
	/// bytes at two hospitals are two records and no hospital can claim
	/// another's body hash first (docs/admission.md).
	#[pallet::storage]
	pub type RecordsByBodyHash<T: Config> =
		StorageDoubleMap<_, Identity, sp_core::H256, Blake2_128Concat, T::AccountId, RecordId>;

	/// The record each custodian created from a source, by the source's
	/// keyed tag ([`SourceTag`]): how an importer finds the resource versions
	/// its hospital already registered, from the chain rather than from a
	/// local file. Entries stay when a record is retired, so a retired
	/// record is not imported again.
	#[pallet::storage]
	pub type RecordBySource<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Blake2_128Concat, SourceTag, RecordId>;

	/// The records of each patient, by position in creation order.
	#[pallet::storage]
	pub type PatientRecords<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, RecordId>;

	/// How many records each patient has (the length of `PatientRecords`).
	#[pallet::storage]
	pub type PatientRecordCount<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// The id the next record gets.
	#[pallet::storage]
	pub type NextRecordId<T: Config> = StorageValue<_, RecordId, ValueQuery>;

	/// Every grant.
	#[pallet::storage]
	pub type Grants<T: Config> = StorageMap<_, Twox64Concat, GrantId, GrantOf<T>>;

	/// The grants each patient made.
	#[pallet::storage]
	pub type GrantsByPatient<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, GrantId, ()>;

	/// The grants made to each grantee.
	#[pallet::storage]
	pub type GrantsByGrantee<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, GrantId, ()>;

	/// The id the next grant gets.
	#[pallet::storage]
	pub type NextGrantId<T: Config> = StorageValue<_, GrantId, ValueQuery>;

	/// Every access request.
	#[pallet::storage]
	pub type Requests<T: Config> = StorageMap<_, Twox64Concat, RequestId, AccessRequestOf<T>>;

	/// Open requests by each proxy hospital they name (the proxy worker's queue).
	#[pallet::storage]
	pub type OpenRequestsByProxy<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, RequestId, ()>;

	/// Requests to expire at the start of a block, if still open then.
	#[pallet::storage]
	pub type RequestExpiries<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumberFor<T>, BoundedVec<RequestId, T::MaxRequestsPerBlock>, ValueQuery>;

	/// The id the next request gets.
	#[pallet::storage]
	pub type NextRequestId<T: Config> = StorageValue<_, RequestId, ValueQuery>;

	/// The block in which a person last rotated their Umbral keys. Grants
	/// made at or before it, by or to that person, no longer work.
	#[pallet::storage]
	pub type KeysRotatedAt<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, BlockNumberFor<T>>;

	/// How many requests each grantee opened in the block named with the count
	/// (one entry per grantee, overwritten each block it requests in).
	#[pallet::storage]
	pub type RequestsOpenedBy<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (BlockNumberFor<T>, u32), OptionQuery>;

	/// How many requests the people each hospital onboarded opened in the
	/// block named with the count (one entry per hospital).
	#[pallet::storage]
	pub type RequestsOpenedByHospital<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (BlockNumberFor<T>, u32), OptionQuery>;

	/// How many requests were opened on each patient's records in the block
	/// named with the count (one entry per patient whose records were read).
	#[pallet::storage]
	pub type RequestsOpenedForPatient<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (BlockNumberFor<T>, u32), OptionQuery>;

	/// Each hospital's current registration window: the block it started in
	/// and how many people the hospital registered in it.
	#[pallet::storage]
	pub type RegistrationsBy<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (BlockNumberFor<T>, u32), OptionQuery>;

	/// Each hospital's current window of records for patients it did not
	/// register: the block it started in and how many such records the
	/// hospital created in it.
	#[pallet::storage]
	pub type RecordsForOthersBy<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (BlockNumberFor<T>, u32), OptionQuery>;

	/// Each account's current retirement window: the block it started in and
	/// how many records the account retired in it (one entry per account
	/// that ever retired a record, overwritten when a new window starts).
	#[pallet::storage]
	pub type RetirementsBy<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, (BlockNumberFor<T>, u32), OptionQuery>;

	/// The reading window, retention and retirement grace in force.
	#[pallet::storage]
	pub type Parameters<T: Config> =
		StorageValue<_, EhrParameters<BlockNumberFor<T>>, ValueQuery, T::DefaultParameters>;

	/// Where the pruner resumes its round through `Requests` (a raw storage
	/// key; `None`: from the start).
	#[pallet::storage]
	pub type RequestPruneCursor<T: Config> = StorageValue<_, PruneCursor>;

	/// Where the pruner resumes its round through `Grants`.
	#[pallet::storage]
	pub type GrantPruneCursor<T: Config> = StorageValue<_, PruneCursor>;

	/// Each patient's audit log, by position. Entries are never removed.
	#[pallet::storage]
	pub type AuditLog<T: Config> =
		StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, u32, AuditEntryOf<T>>;

	/// The length of each patient's audit log.
	#[pallet::storage]
	pub type AuditLogLen<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Events of the pallet; each is also an audit entry where a patient is concerned.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A hospital registered (or replaced) its proxy accounts and key.
		ProxyRegistered { hospital: T::AccountId },
		/// A hospital onboarded a patient.
		PatientRegistered { patient: T::AccountId, hospital: T::AccountId },
		/// A hospital onboarded a provider.
		ProviderRegistered { provider: T::AccountId, hospital: T::AccountId },
		/// A custodian hospital created a record.
		RecordCreated { record: RecordId, patient: T::AccountId, custodian: T::AccountId },
		/// A record was retired: it can no longer be shared, and its custodian
		/// keeps the body until block `body_kept_until`; until then the
		/// patient or the consortium can restore it.
		RecordRetired { record: RecordId, by: T::AccountId, body_kept_until: BlockNumberFor<T> },
		/// A retired record was restored, by its patient (`by`) or by a
		/// decision of the consortium (`by` is `None`); it is in use again.
		RecordRestored { record: RecordId, by: Option<T::AccountId> },
		/// A patient granted access.
		GrantCreated { grant: GrantId, patient: T::AccountId, grantee: T::AccountId },
		/// A patient revoked a grant.
		GrantRevoked { grant: GrantId, patient: T::AccountId },
		/// A grantee opened an access request.
		AccessRequested { request: RequestId, grant: GrantId, record: RecordId, grantee: T::AccountId },
		/// A proxy hospital delivered a verified cfrag.
		CfragAccepted { request: RequestId, hospital: T::AccountId },
		/// A request reached its threshold of verified cfrags.
		RequestReady { request: RequestId },
		/// A request expired before it was ready.
		RequestExpired { request: RequestId },
		/// The custodian served the body of a ready request.
		FetchConfirmed { request: RequestId, custodian: T::AccountId },
		/// The custodian served a record's body to its patient.
		PatientReadConfirmed { record: RecordId, custodian: T::AccountId },
		/// A person replaced their own Umbral keys; grants made before by or to
		/// them no longer work.
		KeysRotated { who: T::AccountId },
		/// A patient re-encrypted the metadata envelopes of records to their
		/// current key (after a rotation), so the records can be shared again.
		RecordsRekeyed { patient: T::AccountId, records: u32 },
		/// A hospital left the consortium: its proxy was retired and no new
		/// grant may name it.
		ProxyRetired { hospital: T::AccountId },
		/// The consortium set the reading window and retention.
		ParametersSet { parameters: EhrParameters<BlockNumberFor<T>> },
		/// Finished requests and ended grants past their retention were removed
		/// from state (their audit entries stay).
		Pruned { requests: u32, grants: u32 },
	}

	/// Errors of the pallet; each says what went wrong and what to do.
	#[pallet::error]
	pub enum Error<T> {
		/// The caller is not a member hospital; only hospitals may do this.
		NotAHospital,
		/// The caller is not a registered node account of the hospital's proxy.
		NotAProxyAccount,
		/// A proxy node account is already registered to another hospital; use another account.
		ProxyAccountTaken,
		/// A proxy needs at least one node account.
		NoProxyAccounts,
		/// The account is already registered as a patient or provider, or is
		/// a member hospital or a hospital's proxy node account.
		AlreadyRegistered,
		/// A proxy node account may not be a patient's, a provider's or
		/// another member hospital's account; give the node an account of
		/// its own (`ehr-node generate-proxy-key`).
		ProxyAccountIsRegistered,
		/// Another hospital's proxy has this Umbral key; every proxy needs a
		/// key of its own.
		ProxyKeyTaken,
		/// The patient is not registered; a hospital must onboard them first.
		PatientNotRegistered,
		/// The grantee is not a registered provider or patient; a hospital must onboard them first.
		GranteeNotRegistered,
		/// A provider's affiliation may only name the hospital that registers them.
		AffiliationNotTheRegistrar,
		/// The bytes are not a canonical Umbral public key.
		InvalidPublicKey,
		/// The key-ownership proof is not the person's signature over these keys
		/// for this chain; have the person run `ehr keys export-public` again.
		InvalidOwnershipProof,
		/// A patient's keys need a verifying key, a provider's none.
		VerifyingKeyMismatch,
		/// The caller is not a registered patient or provider.
		NotRegistered,
		/// The bytes are not a canonical Umbral capsule.
		InvalidCapsule,
		/// The encrypted metadata is empty.
		EmptyMetadata,
		/// This custodian already has a record with a body of this hash; every body is encrypted
		/// with a fresh key, so upload the new one and use its hash.
		DuplicateBody,
		/// This hospital already created a record from this source (the same
		/// resource version); leave it out of the batch.
		SourceAlreadyRecorded,
		/// A `create_records` or `restore_records` batch lists no record.
		NoRecordsInBatch,
		/// No record has this id.
		RecordNotFound,
		/// Only the record's custodian hospital or its patient may retire it.
		NotCustodianOrPatient,
		/// The record was already retired.
		AlreadyRetired,
		/// The record is not retired (or is listed twice), so there is nothing to restore.
		NotRetired,
		/// The record's retirement grace has passed and its body may be
		/// deleted; it can no longer be restored. Its custodian may hold a
		/// backup (docs/operator.md, "Restoring a retired record").
		GracePeriodOver,
		/// This account retired the most records one account may retire in a
		/// retirement window; wait for the window to end. If you did not
		/// retire them, your key may be stolen: the patient or the
		/// consortium restores them (`ehr record restore`).
		TooManyRetirements,
		/// The record is retired and can no longer be shared or requested;
		/// until its retirement grace has passed, its patient or the
		/// consortium can restore it (`ehr record restore`).
		RecordIsRetired,
		/// No grant has this id (it never existed or was pruned).
		GrantNotFound,
		/// Only the grant's patient may do this.
		NotThePatient,
		/// The grant was already revoked.
		AlreadyRevoked,
		/// The grant was revoked by the patient; ask them for a new one.
		GrantIsRevoked,
		/// The grant has expired; ask the patient for a new one.
		GrantExpired,
		/// The patient or the grantee rotated their keys after this grant; the
		/// patient must grant again.
		GrantKeysRotated,
		/// The threshold must be at least 1 and at most the number of proxies.
		InvalidThreshold,
		/// A grant names at least one proxy hospital.
		NoProxies,
		/// A proxy hospital is named twice in the grant.
		DuplicateProxy,
		/// A named proxy hospital has not registered its proxy key (or left the consortium).
		ProxyNotRegistered,
		/// An encrypted kfrag is empty.
		EmptyKfrag,
		/// A grant proxy does not state the id of the kfrag sealed to it.
		MissingKfragId,
		/// Two of the grant's proxies were given the same kfrag.
		DuplicateKfragId,
		/// The expiry block is not in the future.
		ExpiryInPast,
		/// A record scope (or a re-keying) lists no record.
		EmptyScope,
		/// A record scope lists a record twice.
		DuplicateScopeRecord,
		/// A record in the scope is not a record of this patient.
		RecordNotOfPatient,
		/// The patient cannot grant access to themselves.
		SelfGrant,
		/// The record is not in the grant's scope.
		RecordNotInScope,
		/// Only the grantee of the grant may request access under it.
		NotTheGrantee,
		/// No access request has this id (it never existed or was pruned).
		RequestNotFound,
		/// The request is not open (it is ready or expired).
		RequestNotOpen,
		/// The request timed out before it was ready; open a new one.
		RequestTimedOut,
		/// The request is not ready yet: fewer than threshold cfrags were verified.
		RequestNotReady,
		/// Too many requests were opened in this block; try again in the next.
		TooManyRequestsInBlock,
		/// This grantee opened its most requests for this block; try again in the next.
		TooManyRequestsFromGrantee,
		/// The caller's hospital is not one of the grant's proxies.
		ProxyNotInGrant,
		/// This proxy hospital already delivered a cfrag for this request.
		CfragAlreadySubmitted,
		/// A cfrag made with the same kfrag is already on the request: a copied
		/// fragment does not count twice.
		DuplicateKeyFragment,
		/// The cfrag was made with a kfrag sealed to another proxy of the grant.
		CfragOfAnotherProxy,
		/// The request already holds a cfrag from every proxy it can.
		TooManyCfrags,
		/// The bytes are not a canonical Umbral capsule fragment.
		MalformedCfrag,
		/// The cfrag comes from a kfrag the patient did not sign for this grantee.
		CfragWrongKeyFrag,
		/// The cfrag is not a correct re-encryption of this record's capsule.
		CfragInvalid,
		/// Only the record's custodian hospital (or its proxy node) may confirm a fetch.
		NotTheCustodian,
		/// The fetch of this request was already confirmed; the grantee opens a new request to read again.
		FetchAlreadyConfirmed,
		/// The request's reading window has closed; the grantee opens a new request.
		ReadingWindowClosed,
		/// The reading window and the retention must each be at least one block.
		InvalidParameters,
		/// An id or counter would overflow.
		Overflow,
		/// A node account new to the hospital's proxy did not sign its consent
		/// to act for this hospital ([`ProxyAccountConsent`]); get it from the
		/// node with `ehr proxy register --node <its RPC URL>`.
		InvalidProxyAccountConsent,
		/// The hospital registered its most people for this window
		/// ([`Config::MaxRegistrationsPerWindow`]); register the rest later.
		TooManyRegistrations,
		/// People onboarded by the grantee's hospital opened this block's share
		/// of request slots ([`Config::MaxRequestsPerHospitalPerBlock`]); retry
		/// in the next block.
		TooManyRequestsFromHospital,
		/// This block's requests on the patient's records are at their bound
		/// ([`Config::MaxRequestsPerPatientPerBlock`]); retry in the next block.
		TooManyRequestsForPatient,
		/// The hospital created as many records for patients it did not
		/// register as a day allows ([`Config::MaxRecordsForOthersPerWindow`]);
		/// ask the patient's registering hospital, or wait for the next window.
		TooManyRecordsForOthers,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(now: BlockNumberFor<T>) -> Weight {
			let due = RequestExpiries::<T>::decode_len(now).unwrap_or(0);
			if due == 0 {
				return T::DbWeight::get().reads(1);
			}
			Self::do_expire_requests(now);
			T::WeightInfo::expire_requests(due as u32)
		}

		fn on_idle(now: BlockNumberFor<T>, remaining: Weight) -> Weight {
			Self::prune_within(now, remaining)
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}

		fn integrity_test() {
			assert!(T::MaxRequestsPerBlock::get() > 0, "MaxRequestsPerBlock must be positive");
			assert!(T::MaxRequestsPerGranteePerBlock::get() > 0, "MaxRequestsPerGranteePerBlock must be positive");
			assert!(T::RequestTimeout::get() > BlockNumberFor::<T>::from(0u32), "RequestTimeout must be positive");
			let defaults = T::DefaultParameters::get();
			assert!(Self::parameters_are_valid(&defaults), "DefaultParameters must be at least one block each");
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Registers (or replaces) the caller hospital's proxy: the node
		/// accounts that submit cfrags and confirm fetches, each with its
		/// consent to act for this hospital unless already listed (or the
		/// hospital's own account), and the Umbral public key patients
		/// encrypt kfrags to. Callable by a hospital.
		/// Emits `ProxyRegistered`; fails as [`Pallet::do_register_proxy`] says.
		#[pallet::call_index(0)]
		#[pallet::weight(register_proxy_weight::<T>(accounts.len() as u32))]
		pub fn register_proxy(
			origin: OriginFor<T>,
			accounts: BoundedVec<ProxyNodeAccount<T::AccountId, T::OwnershipSignature>, ConstU32<MAX_PROXY_ACCOUNTS>>,
			public_key: PublicKeyBytes,
		) -> DispatchResult {
			let hospital = Self::ensure_hospital(origin)?;
			Self::do_register_proxy(hospital, accounts, public_key)
		}

		/// Onboards a patient with their Umbral public key and the verifying
		/// key that signs their kfrags, and the patient's own proof that these
		/// keys are theirs ([`KeyOwnership`], signed with the patient's
		/// account). Callable by a hospital. Emits `PatientRegistered`; fails
		/// as [`Pallet::do_register_patient`] says.
		#[pallet::call_index(1)]
		#[pallet::weight(register_person_weight::<T>(T::WeightInfo::register_patient()))]
		pub fn register_patient(
			origin: OriginFor<T>,
			patient: T::AccountId,
			public_key: PublicKeyBytes,
			verifying_key: PublicKeyBytes,
			proof: T::OwnershipSignature,
		) -> DispatchResult {
			let hospital = Self::ensure_hospital(origin)?;
			Self::do_register_patient(hospital, patient, public_key, verifying_key, proof)
		}

		/// Onboards a provider (clinician, lab, insurer, researcher) with their
		/// Umbral public key, their proof of owning it, and optionally the
		/// registering hospital as affiliation. Callable by a hospital. Emits
		/// `ProviderRegistered`; fails as [`Pallet::do_register_provider`] says.
		#[pallet::call_index(2)]
		#[pallet::weight(register_person_weight::<T>(T::WeightInfo::register_provider()))]
		pub fn register_provider(
			origin: OriginFor<T>,
			provider: T::AccountId,
			public_key: PublicKeyBytes,
			affiliation: Option<T::AccountId>,
			proof: T::OwnershipSignature,
		) -> DispatchResult {
			let hospital = Self::ensure_hospital(origin)?;
			Self::do_register_provider(hospital, provider, public_key, affiliation, proof)
		}

		/// Creates a record for a registered patient; the caller hospital is
		/// its custodian and keeps the encrypted body. Callable by a hospital.
		/// Emits `RecordCreated`; fails as [`Pallet::do_create_record`] says.
		#[pallet::call_index(3)]
		#[pallet::weight(call_weights::create_records_weight::<T>(T::WeightInfo::create_record()))]
		pub fn create_record(
			origin: OriginFor<T>,
			patient: T::AccountId,
			capsule: CapsuleBytes,
			encrypted_metadata: EncryptedMetadata,
			body_hash: sp_core::H256,
			body_size: u64,
		) -> DispatchResult {
			let custodian = Self::ensure_hospital(origin)?;
			let record = NewRecord { patient, capsule, encrypted_metadata, body_hash, body_size, source: None };
			Self::do_create_record(custodian, record)
		}

		/// Creates up to [`MAX_CREATE_RECORDS`] records in one transaction, all
		/// or none, each optionally with the keyed tag of its source (an
		/// importer's resource version); the caller hospital is their
		/// custodian and already holds the encrypted bodies. Callable by a
		/// hospital. Emits `RecordCreated` for each record; fails as
		/// [`Pallet::do_create_records`] says.
		#[pallet::call_index(14)]
		#[pallet::weight(call_weights::create_records_weight::<T>(T::WeightInfo::create_records(records.len() as u32)))]
		pub fn create_records(
			origin: OriginFor<T>,
			records: BoundedVec<NewRecord<T::AccountId>, ConstU32<MAX_CREATE_RECORDS>>,
		) -> DispatchResult {
			let custodian = Self::ensure_hospital(origin)?;
			Self::do_create_records(custodian, records)
		}

		/// Retires a record: it can no longer be shared or requested, and its
		/// custodian keeps the body for the retirement grace, during which
		/// the patient or the consortium can restore it; then the custodian
		/// deletes it. Callable by the custodian or the patient. Emits
		/// `RecordRetired`; fails as [`Pallet::do_retire_record`] says.
		#[pallet::call_index(4)]
		#[pallet::weight(retire_record_weight::<T>())]
		pub fn retire_record(origin: OriginFor<T>, record: RecordId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_retire_record(who, record)
		}

		/// Grants `grantee` access to records in `scope`, through `proxies`
		/// (each with its encrypted kfrag and that kfrag's id) of which
		/// `threshold` must cooperate, until `expires_at` (inclusive), for
		/// `purpose`. Callable by a registered patient. Emits `GrantCreated`;
		/// fails as [`Pallet::do_grant`] says.
		#[pallet::call_index(5)]
		#[pallet::weight(T::WeightInfo::grant(proxies.len() as u32, scope_len(scope)))]
		pub fn grant(
			origin: OriginFor<T>,
			grantee: T::AccountId,
			scope: Scope,
			threshold: u8,
			proxies: BoundedVec<GrantProxy<T::AccountId>, ConstU32<MAX_PROXIES>>,
			expires_at: Option<BlockNumberFor<T>>,
			purpose: Purpose,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_grant(patient, grantee, scope, threshold, proxies, expires_at, purpose)
		}

		/// Revokes a grant: no cfrag is accepted under it afterwards. Access
		/// already given cannot be taken back. Callable by the grant's patient.
		/// Emits `GrantRevoked`; fails as [`Pallet::do_revoke`] says.
		#[pallet::call_index(6)]
		#[pallet::weight(T::WeightInfo::revoke())]
		pub fn revoke(origin: OriginFor<T>, grant: GrantId) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_revoke(patient, grant)
		}

		/// Opens a request for `record` under `grant`; the grant's proxies
		/// then re-encrypt the record's capsule. Callable by the grantee.
		/// Charged for the most proxies a grant may name and refunded down to
		/// the grant's actual proxy count. Emits `AccessRequested`; fails as
		/// [`Pallet::do_request_access`] says.
		#[pallet::call_index(7)]
		#[pallet::weight(request_access_weight::<T>(MAX_PROXIES))]
		pub fn request_access(origin: OriginFor<T>, grant: GrantId, record: RecordId) -> DispatchResultWithPostInfo {
			let grantee = ensure_signed(origin)?;
			let proxies = Self::do_request_access(grantee, grant, record)?;
			Ok(Some(request_access_weight::<T>(proxies)).into())
		}

		/// Delivers a cfrag for an open request; the runtime verifies it
		/// against the record's capsule and the patient's and grantee's keys,
		/// and checks that it was made with the kfrag sealed to this proxy.
		/// Callable by a node account of one of the grant's proxy hospitals.
		/// Charged for the most proxies and refunded down to the grant's
		/// actual count. Emits `CfragAccepted` (and `RequestReady` at the
		/// threshold); fails as [`Pallet::do_submit_cfrag`] says.
		#[pallet::call_index(8)]
		#[pallet::weight(T::WeightInfo::submit_cfrag(MAX_PROXIES))]
		pub fn submit_cfrag(origin: OriginFor<T>, request: RequestId, cfrag: CfragBytes) -> DispatchResultWithPostInfo {
			let account = ensure_signed(origin)?;
			let hospital = ProxyAccountOf::<T>::get(&account).ok_or(Error::<T>::NotAProxyAccount)?;
			let proxies = Self::do_submit_cfrag(hospital, request, cfrag)?;
			Ok(Some(T::WeightInfo::submit_cfrag(proxies)).into())
		}

		/// Records that the custodian served the body of a ready request,
		/// once per request, within its reading window. Callable by the
		/// custodian hospital or one of its proxy node accounts. Emits
		/// `FetchConfirmed`; fails as [`Pallet::do_confirm_fetch`] says.
		#[pallet::call_index(9)]
		#[pallet::weight(T::WeightInfo::confirm_fetch())]
		pub fn confirm_fetch(origin: OriginFor<T>, request: RequestId) -> DispatchResult {
			let account = ensure_signed(origin)?;
			let hospital = ProxyAccountOf::<T>::get(&account).unwrap_or(account);
			Self::do_confirm_fetch(hospital, request)
		}

		/// Records on the patient's audit trail that the custodian served the
		/// patient's own record to the patient (the custodian's node calls it
		/// before it serves the body). Callable by the custodian hospital or
		/// one of its proxy node accounts. Emits `PatientReadConfirmed`; fails
		/// as [`Pallet::do_confirm_patient_read`] says.
		#[pallet::call_index(13)]
		#[pallet::weight(T::WeightInfo::confirm_patient_read())]
		pub fn confirm_patient_read(origin: OriginFor<T>, record: RecordId) -> DispatchResult {
			let account = ensure_signed(origin)?;
			let hospital = ProxyAccountOf::<T>::get(&account).unwrap_or(account);
			Self::do_confirm_patient_read(hospital, record)
		}

		/// Replaces the caller's own Umbral keys (a patient gives a new public
		/// and verifying key, a provider a new public key only). Grants made
		/// earlier by or to the caller stop working; the patient re-issues
		/// them (`ehr grants` lists them). Callable by a registered patient or
		/// provider, never by a hospital on their behalf. Emits `KeysRotated`;
		/// fails as [`Pallet::do_rotate_keys`] says.
		#[pallet::call_index(10)]
		#[pallet::weight(T::WeightInfo::rotate_keys())]
		pub fn rotate_keys(
			origin: OriginFor<T>,
			public_key: PublicKeyBytes,
			verifying_key: Option<PublicKeyBytes>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_rotate_keys(who, public_key, verifying_key)
		}

		/// Replaces the capsule and encrypted metadata envelope of up to 16 of
		/// the caller's own records with ones made for the caller's current
		/// key: after `rotate_keys`, records made for the old key can be
		/// shared again once re-keyed (`ehr keys rotate` does it). The body
		/// and its custodian do not change. Callable by the records' patient.
		/// Emits `RecordsRekeyed`; fails as [`Pallet::do_rekey_records`] says.
		#[pallet::call_index(12)]
		#[pallet::weight(T::WeightInfo::rekey_records(records.len() as u32))]
		pub fn rekey_records(
			origin: OriginFor<T>,
			records: BoundedVec<(RecordId, CapsuleBytes, EncryptedMetadata), ConstU32<MAX_REKEY_RECORDS>>,
		) -> DispatchResult {
			let patient = ensure_signed(origin)?;
			Self::do_rekey_records(patient, records)
		}

		/// Restores retired records whose retirement grace has not passed: they
		/// are in use again. Callable by the records' patient (signed), or by
		/// [`Config::GovernanceOrigin`] (two thirds of the members) for any
		/// record. Emits `RecordRestored` for each; fails as
		/// [`Pallet::do_restore_records`] says.
		#[pallet::call_index(15)]
		#[pallet::weight(restore_records_weight::<T>(records.len() as u32))]
		pub fn restore_records(
			origin: OriginFor<T>,
			records: BoundedVec<RecordId, ConstU32<MAX_RESTORE_RECORDS>>,
		) -> DispatchResult {
			let by = match T::GovernanceOrigin::try_origin(origin) {
				Ok(_) => Restorer::Consortium,
				Err(origin) => Restorer::Patient(ensure_signed(origin)?),
			};
			Self::do_restore_records(by, records)
		}

		/// Sets the reading window of ready requests and the retention after
		/// which finished requests and ended grants are pruned. Callable by
		/// [`Config::GovernanceOrigin`] (two thirds of the members). Emits
		/// `ParametersSet`; fails with `InvalidParameters` if either is zero.
		#[pallet::call_index(11)]
		#[pallet::weight(T::WeightInfo::set_parameters())]
		pub fn set_parameters(origin: OriginFor<T>, parameters: EhrParameters<BlockNumberFor<T>>) -> DispatchResult {
			T::GovernanceOrigin::ensure_origin(origin)?;
			Self::do_set_parameters(parameters)
		}
	}

	impl<T: Config> Pallet<T> {
		/// Checks `origin` with [`Config::HospitalOrigin`] and returns the
		/// hospital. Fails with `NotAHospital` for a signed origin that is not
		/// a member hospital, and with `BadOrigin` for an unsigned one.
		pub(crate) fn ensure_hospital(origin: OriginFor<T>) -> Result<T::AccountId, DispatchError> {
			T::HospitalOrigin::try_origin(origin).map_err(|origin| match ensure_signed(origin) {
				Ok(_) => Error::<T>::NotAHospital.into(),
				Err(unsigned) => unsigned.into(),
			})
		}

		/// Whether every parameter is at least one block.
		pub(crate) fn parameters_are_valid(parameters: &EhrParameters<BlockNumberFor<T>>) -> bool {
			!parameters.reading_window.is_zero()
				&& !parameters.retention.is_zero()
				&& !parameters.retirement_grace.is_zero()
		}

		/// Sets the parameters. Fails with `InvalidParameters` if one is zero.
		pub(crate) fn do_set_parameters(parameters: EhrParameters<BlockNumberFor<T>>) -> DispatchResult {
			ensure!(Self::parameters_are_valid(&parameters), Error::<T>::InvalidParameters);
			Parameters::<T>::put(parameters);
			Self::deposit_event(Event::ParametersSet { parameters });
			Ok(())
		}
	}
}
