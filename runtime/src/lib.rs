//! # ehr-runtime
//!
//! The FRAME runtime of ehr-chain: Aura block production and GRANDPA
//! finality by the member hospitals' validators (pallet-session), the
//! hospitals' membership, council and consortium, and pallet-ehr. There is
//! no currency: registered identities transact without fees, within a rate
//! limit (see docs/architecture.md).

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!` does a lot of recursion and requires us to increase the limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

/// This runtime with `spec_version` one higher, for upgrade tests only.
#[cfg(feature = "std")]
pub mod upgrade_test_wasm {
	include!(concat!(env!("OUT_DIR"), "/wasm_binary_upgrade_test.rs"));
}

extern crate alloc;

use alloc::vec::Vec;

pub mod apis;
#[cfg(feature = "runtime-benchmarks")]
mod benchmarks;
pub mod configs;
pub mod db_weights;
pub mod genesis_config_presets;
pub mod migrations;
#[cfg(test)]
mod tests;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_ehr::Call as EhrCall;
pub use pallet_ehr::Error as EhrError;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Types the node needs without knowing the runtime's details.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block hash type.
	pub type Hash = <BlakeTwo256 as sp_runtime::traits::Hash>::Output;
}

impl_opaque_keys! {
	/// The session keys a hospital's validator node holds.
	pub struct SessionKeys {
		pub aura: Aura,
		pub grandpa: Grandpa,
	}
}

/// The runtime's version; `spec_version` goes up with every upgrade.
#[cfg(not(feature = "upgrade-test-version"))]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	impl_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	authoring_version: 1,
	spec_version: 110,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 3,
};

/// The same runtime one spec version up: the integration tests' upgrade
/// target (`upgrade_test_wasm`), never a release.
#[cfg(feature = "upgrade-test-version")]
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	impl_name: alloc::borrow::Cow::Borrowed("ehr-chain"),
	authoring_version: 1,
	spec_version: 111,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 2,
	system_version: 3,
};

/// Target time between blocks. Short, so that a request becomes readable
/// within a few seconds; it cannot change once a chain has started.
pub const MILLI_SECS_PER_BLOCK: u64 = 3000;
/// Aura's slot duration.
pub const SLOT_DURATION: u64 = MILLI_SECS_PER_BLOCK;
/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLI_SECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// Transaction signature (sr25519 from polkadot-js, ed25519 or ecdsa).
pub type Signature = MultiSignature;
/// An account: the public key of its signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// The unit of the (always zero) fee the payment runtime API reports.
pub type Balance = u128;
/// A transaction index.
pub type Nonce = u32;
/// A block hash.
pub type Hash = sp_core::H256;
/// A block number.
pub type BlockNumber = u32;
/// The address format of transactions.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The transaction extensions. There is no payment extension: nobody pays
/// fees. `CheckRegistered` (zero-sized, so wallets need not know it) admits
/// only registered accounts, within their rate limit, before the nonce check;
/// `CheckNonceWithinAllowance` is frame-system's nonce check (same encoding
/// and identifier, `CheckNonce`) that also refuses nonces beyond what the
/// signer's window leaves, so no account floods the pool.
pub type TxExtension = (
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	pallet_consortium::CheckRegistered<Runtime>,
	pallet_consortium::CheckNonceWithinAllowance<Runtime>,
	frame_system::CheckWeight<Runtime>,
	frame_metadata_hash_extension::CheckMetadataHash<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// Unchecked extrinsic type.
pub type UncheckedExtrinsic = generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed in transactions.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Dispatches to the pallets.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	migrations::SingleBlockMigrations,
>;

#[frame_support::runtime]
mod runtime {
	/// The ehr-chain runtime.
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Aura = pallet_aura;

	#[runtime::pallet_index(3)]
	pub type Grandpa = pallet_grandpa;

	#[runtime::pallet_index(4)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(5)]
	pub type HospitalMembership = pallet_membership<Instance1>;

	#[runtime::pallet_index(6)]
	pub type Council = pallet_collective<Instance1>;

	#[runtime::pallet_index(7)]
	pub type Consortium = pallet_consortium;

	// After the membership, so that members already have the account
	// reference the session keys' consumer reference needs.
	#[runtime::pallet_index(8)]
	pub type Session = pallet_session;

	#[runtime::pallet_index(10)]
	pub type Ehr = pallet_ehr;

	#[runtime::pallet_index(11)]
	pub type MultiBlockMigrations = pallet_migrations;
}
