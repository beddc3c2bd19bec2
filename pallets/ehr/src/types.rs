//! Types of pallet-ehr: the shared on-chain shapes from ehr-primitives,
//! specialised to a runtime, and the trait that says who the hospitals are.

pub use ehr_primitives::types::*;
use frame_support::{traits::ConstU32, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;

/// A record as stored by runtime `T`.
pub type RecordOf<T> = Record<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// A grant as stored by runtime `T`.
pub type GrantOf<T> = Grant<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// An access request as stored by runtime `T`.
pub type AccessRequestOf<T> = AccessRequest<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// An audit entry as stored by runtime `T`.
pub type AuditEntryOf<T> = AuditEntry<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

/// Answers who the consortium's member hospitals are. The runtime wires it
/// to its membership (governed by the consortium); the pallet never decides
/// membership itself.
pub trait HospitalMembership<AccountId> {
	/// Whether `who` is a member hospital's controller account.
	fn is_hospital(who: &AccountId) -> bool;

	/// Makes `who` a hospital, for benchmarks only.
	#[cfg(feature = "runtime-benchmarks")]
	fn add_hospital_for_benchmarks(who: &AccountId);
}

/// A raw storage key where the pruner resumes a round (a `Requests` or
/// `Grants` key: 48 bytes).
pub type PruneCursor = BoundedVec<u8, ConstU32<64>>;

/// Makes key-ownership proofs for benchmarks with real keys.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<Signer, Signature> {
	/// A new signer (a person's account key), different for each seed.
	fn signer(seed: u32) -> Signer;
	/// `signer`'s signature over `payload`.
	fn sign(signer: &Signer, payload: &[u8]) -> Signature;
}
