//! Storage migrations of pallet-consortium.

/// Storage version 1 to 2: every hospital profile gains `endpoints`, the
/// public JSON-RPC endpoints of the hospital's nodes, empty until the
/// hospital publishes them with `set_endpoints`.
pub mod v2 {
	use crate::{pallet::*, types::*};
	use codec::{Decode, Encode};
	use frame_support::{pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade, weights::Weight};

	/// A profile as version 1 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct OldHospitalProfile {
		/// The hospital's public name.
		pub name: HospitalName,
		/// The peer ids of its nodes.
		pub peer_ids: PeerIds,
	}

	/// Converts one version-1 profile: the same name and peer ids, no endpoints.
	pub fn upgrade_profile(old: OldHospitalProfile) -> HospitalProfile {
		HospitalProfile { name: old.name, peer_ids: old.peer_ids, endpoints: Endpoints::default() }
	}

	/// The unversioned step; run it through [`MigrateV1ToV2`].
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0u64;
			Profiles::<T>::translate::<OldHospitalProfile, _>(|_, old| {
				translated = translated.saturating_add(1);
				Some(upgrade_profile(old))
			});
			log::info!(target: "runtime::consortium", "v2: {translated} hospital profiles migrated");
			T::DbWeight::get().reads_writes(translated, translated)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Profiles::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..]).map_err(|_| "v2: bad pre-upgrade state")?;
			let after = Profiles::<T>::iter().count() as u64;
			ensure!(after == before, "v2: the number of profiles changed");
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
