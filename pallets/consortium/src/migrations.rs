//! Storage migrations of pallet-consortium.
//!
//! Storage version 2 is current.

/// Storage version 1 to 2: a rate limit counts units that pay for
/// transactions, bytes and compute at once, and bounds a transaction's
/// length (docs/admission.md). The stored [`crate::Limits`] keep their
/// window and their count (as units); the new fields take the defaults
/// of their class. [`crate::Windows`] keep their encoding (start, count):
/// a window's transactions so far count as its units.
pub mod v2 {
	use crate::{pallet::*, types::*};
	use codec::{Decode, Encode};
	use frame_support::{pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade, weights::Weight};

	/// A rate limit as version 1 stored it.
	#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
	pub struct OldRateLimit {
		/// Transactions per window.
		pub transactions: u32,
		/// Window length in blocks.
		pub blocks: u32,
	}

	/// The rate limits as version 1 stored them.
	#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
	pub struct OldRateLimits {
		/// People.
		pub person: OldRateLimit,
		/// Hospitals and their node accounts.
		pub hospital: OldRateLimit,
	}

	/// Version 2's limits for version 1's: each class keeps its window and
	/// count, and takes the default's length bound and unit prices.
	pub fn upgrade_limits(old: OldRateLimits) -> RateLimits {
		let defaults = RateLimits::default();
		let upgrade = |old: OldRateLimit, default: RateLimit| RateLimit {
			units: old.transactions,
			blocks: old.blocks,
			..default
		};
		RateLimits { person: upgrade(old.person, defaults.person), hospital: upgrade(old.hospital, defaults.hospital) }
	}

	/// The unversioned step; run it through [`MigrateV1ToV2`].
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			// A chain that never set limits keeps none stored (the default
			// applies); a stored value that does not decode as version 1's is
			// removed, so the default applies, as reading it gave before.
			if Limits::<T>::translate::<OldRateLimits, _>(|old| old.map(upgrade_limits)).is_err() {
				Limits::<T>::kill();
			}
			log::info!(target: "runtime::consortium", "v2: rate limits counted in units");
			T::DbWeight::get().reads_writes(1, 1)
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(_state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			Pallet::<T>::do_try_state()
		}
	}

	/// Migrates pallet-consortium from storage version 1 to 2, once.
	pub type MigrateV1ToV2<T> = frame_support::migrations::VersionedMigration<
		1,
		2,
		InnerMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
