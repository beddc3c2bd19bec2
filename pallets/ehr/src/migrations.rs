//! Storage migrations of pallet-ehr.
//!
//! Storage version 5 is current; versions 2 to 4 run in the upgrade's
//! block, version 5 over several blocks through pallet-migrations. `RecordBySource`, added with
//! `create_records` in spec version 103, is a new map that starts empty and
//! changes no existing item, so it needs no migration and no version bump.

/// Storage version 1 to 2: every grant proxy gains `kfrag_id` (`None` for
/// grants made before, which keep working under the distinct-fragment
/// rule), and sealed kfrags are bounded to the 443 bytes sealing produces.
/// A grant whose sealed kfrag was larger could never have produced a cfrag
/// (its kfrag does not decode); it is removed with its index entries.
pub mod v2 {
	use crate::{pallet::*, types::*};
	use codec::{Decode, Encode};
	use frame_support::{pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade, weights::Weight};
	use frame_system::pallet_prelude::BlockNumberFor;

	/// Version 1's upper bound of a sealed kfrag.
	pub type OldEncryptedKfragBytes = BoundedVec<u8, ConstU32<768>>;

	/// A grant proxy as version 1 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct OldGrantProxy<AccountId> {
		/// The proxy hospital.
		pub hospital: AccountId,
		/// The sealed kfrag.
		pub encrypted_kfrag: OldEncryptedKfragBytes,
	}

	/// A grant as version 1 stored it.
	#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug)]
	pub struct OldGrant<AccountId, BlockNumber> {
		/// The patient.
		pub patient: AccountId,
		/// The grantee.
		pub grantee: AccountId,
		/// The records covered.
		pub scope: Scope,
		/// The threshold.
		pub threshold: u8,
		/// The proxies.
		pub proxies: BoundedVec<OldGrantProxy<AccountId>, ConstU32<MAX_PROXIES>>,
		/// The last live block.
		pub expires_at: Option<BlockNumber>,
		/// The purpose.
		pub purpose: Purpose,
		/// The block made in.
		pub created_at: BlockNumber,
		/// The block revoked in.
		pub revoked_at: Option<BlockNumber>,
	}

	/// Converts one version-1 grant; `None` if a sealed kfrag is larger than
	/// sealing ever produces.
	pub fn upgrade_grant<AccountId, BlockNumber>(
		old: OldGrant<AccountId, BlockNumber>,
	) -> Option<Grant<AccountId, BlockNumber>> {
		let mut proxies = BoundedVec::new();
		for proxy in old.proxies {
			let encrypted_kfrag = EncryptedKfragBytes::try_from(proxy.encrypted_kfrag.into_inner()).ok()?;
			proxies.try_push(GrantProxy { hospital: proxy.hospital, encrypted_kfrag, kfrag_id: None }).ok()?;
		}
		Some(Grant {
			patient: old.patient,
			grantee: old.grantee,
			scope: old.scope,
			threshold: old.threshold,
			proxies,
			expires_at: old.expires_at,
			purpose: old.purpose,
			created_at: old.created_at,
			revoked_at: old.revoked_at,
		})
	}

	/// The unversioned step; run it through [`MigrateV1ToV2`].
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0u64;
			let mut dropped = alloc::vec::Vec::new();
			Grants::<T>::translate::<OldGrant<T::AccountId, BlockNumberFor<T>>, _>(|id, old| {
				translated = translated.saturating_add(1);
				let (patient, grantee) = (old.patient.clone(), old.grantee.clone());
				let new = upgrade_grant(old);
				if new.is_none() {
					dropped.push((id, patient, grantee));
				}
				new
			});
			for (id, patient, grantee) in &dropped {
				GrantsByPatient::<T>::remove(patient, id);
				GrantsByGrantee::<T>::remove(grantee, id);
			}
			log::info!(target: "runtime::ehr", "v2: {translated} grants migrated, {} unusable ones removed", dropped.len());
			let dropped = dropped.len() as u64;
			T::DbWeight::get()
				.reads_writes(translated, translated)
				.saturating_add(T::DbWeight::get().writes(dropped.saturating_mul(2)))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok((Grants::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..]).map_err(|_| "v2: bad pre-upgrade state")?;
			let after = Grants::<T>::iter().count() as u64;
			ensure!(after <= before, "v2: grants appeared");
			Pallet::<T>::do_try_state()
		}
	}

	/// Migrates pallet-ehr from storage version 1 to 2, once.
	pub type MigrateV1ToV2<T> = frame_support::migrations::VersionedMigration<
		1,
		2,
		InnerMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Storage version 2 to 3: [`ProxyByKey`](crate::ProxyByKey), the index
/// that keeps proxy keys distinct, built from the proxies (at most one per
/// member hospital, so a bounded step). A key two hospitals already shared
/// is indexed to the first; the second must register a key of its own
/// before it can change its proxy.
pub mod v3 {
	use crate::pallet::*;
	use frame_support::{pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade, weights::Weight};

	/// The unversioned step; run it through [`MigrateV2ToV3`].
	pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let (mut proxies, mut shared) = (0u64, 0u64);
			for (hospital, proxy) in Proxies::<T>::iter() {
				proxies = proxies.saturating_add(1);
				if ProxyByKey::<T>::contains_key(&proxy.public_key) {
					shared = shared.saturating_add(1);
				} else {
					ProxyByKey::<T>::insert(&proxy.public_key, hospital);
				}
			}
			log::info!(target: "runtime::ehr", "v3: {proxies} proxy keys indexed, {shared} shared with another hospital");
			T::DbWeight::get().reads_writes(proxies.saturating_mul(2), proxies)
		}
	}

	/// Migrates pallet-ehr from storage version 2 to 3, once.
	pub type MigrateV2ToV3<T> = frame_support::migrations::VersionedMigration<
		2,
		3,
		InnerMigrateV2ToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Storage version 3 to 4: the parameters gain the retirement grace
/// ([`EhrParameters::retirement_grace`](crate::EhrParameters)), set to the
/// runtime's default. A chain that never set its parameters stores none and
/// reads the new defaults; one value is translated, so the step is bounded.
pub mod v4 {
	use crate::{pallet::*, types::*};
	use codec::{Decode, Encode};
	use frame_support::{pallet_prelude::*, traits::UncheckedOnRuntimeUpgrade, weights::Weight};

	/// The parameters as version 3 stored them.
	#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug)]
	pub struct OldParameters<BlockNumber> {
		/// The reading window.
		pub reading_window: BlockNumber,
		/// The retention.
		pub retention: BlockNumber,
	}

	/// Version 4's parameters from version 3's, with `retirement_grace`.
	pub fn upgrade_parameters<BlockNumber>(
		old: OldParameters<BlockNumber>,
		retirement_grace: BlockNumber,
	) -> EhrParameters<BlockNumber> {
		EhrParameters { reading_window: old.reading_window, retention: old.retention, retirement_grace }
	}

	/// The unversioned step; run it through [`MigrateV3ToV4`].
	pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
		fn on_runtime_upgrade() -> Weight {
			let grace = T::DefaultParameters::get().retirement_grace;
			let translated = Parameters::<T>::translate::<
				OldParameters<frame_system::pallet_prelude::BlockNumberFor<T>>,
				_,
			>(|old| old.map(|old| upgrade_parameters(old, grace)));
			if translated.is_err() {
				// Undecodable as version 3: drop it, so the defaults apply.
				Parameters::<T>::kill();
				log::warn!(target: "runtime::ehr", "v4: the stored parameters did not decode; the defaults apply");
			}
			log::info!(target: "runtime::ehr", "v4: parameters gained the retirement grace");
			T::DbWeight::get().reads_writes(1, 1)
		}
	}

	/// Migrates pallet-ehr from storage version 3 to 4, once.
	pub type MigrateV3ToV4<T> = frame_support::migrations::VersionedMigration<
		3,
		4,
		InnerMigrateV3ToV4<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Storage version 4 to 5, over as many blocks as it takes
/// (pallet-migrations): the body-hash index is keyed by custodian too
/// ([`RecordsByBodyHash`](crate::RecordsByBodyHash)), so that one hospital
/// cannot claim another's body hash (AUDIT.md finding 7). Each step moves
/// one entry of version 4's chain-wide `RecordByBodyHash` under its record's
/// custodian and removes it; an entry whose record is gone is dropped. The
/// chain includes no transaction while the migration runs, and
/// [`Pallet::record_with_body`](crate::Pallet) reads the old entries until
/// they are moved, so the node's blob store upkeep never sees a body as
/// unreferenced half-way.
pub mod v5 {
	use crate::pallet::*;
	use frame_support::{
		migrations::{MigrationId, SteppedMigration, SteppedMigrationError},
		pallet_prelude::*,
		storage_alias,
		traits::GetStorageVersion,
		weights::WeightMeter,
	};

	/// The identifier pallet-migrations keeps for this migration.
	pub const MIGRATION_ID: &[u8; 16] = b"pallet-ehr/bodyh";

	/// Version 4's index: the one record, chain-wide, with a body hash.
	#[storage_alias]
	pub type RecordByBodyHash<T: Config> = StorageMap<Pallet<T>, Identity, sp_core::H256, crate::types::RecordId>;

	/// The record version 4's index gives for `body_hash`, while the
	/// migration has not moved it yet.
	pub fn unmoved_record<T: Config>(body_hash: sp_core::H256) -> Option<crate::types::RecordId> {
		RecordByBodyHash::<T>::get(body_hash)
	}

	/// Moves version 4's body-hash index under each record's custodian.
	pub struct MigrateV4ToV5<T>(core::marker::PhantomData<T>);

	impl<T: Config> MigrateV4ToV5<T> {
		/// What moving one entry costs at most: the entry and its record
		/// read, the new entry written and the old one removed.
		pub fn step_weight() -> Weight {
			T::DbWeight::get().reads_writes(2, 2)
		}
	}

	impl<T: Config> SteppedMigration for MigrateV4ToV5<T> {
		/// The last body hash moved.
		type Cursor = sp_core::H256;
		type Identifier = MigrationId<16>;

		fn id() -> Self::Identifier {
			MigrationId { pallet_id: *MIGRATION_ID, version_from: 4, version_to: 5 }
		}

		fn step(
			mut cursor: Option<Self::Cursor>,
			meter: &mut WeightMeter,
		) -> Result<Option<Self::Cursor>, SteppedMigrationError> {
			let version_check = T::DbWeight::get().reads(1);
			let required = Self::step_weight().saturating_add(version_check);
			if meter.remaining().any_lt(required) {
				return Err(SteppedMigrationError::InsufficientWeight { required });
			}
			meter.consume(version_check);
			if Pallet::<T>::on_chain_storage_version() != 4 {
				// A chain that started at version 5 or later, or that ran this already.
				return Ok(None);
			}
			loop {
				if meter.try_consume(Self::step_weight()).is_err() {
					return Ok(cursor);
				}
				let mut entries = match cursor {
					Some(last) => RecordByBodyHash::<T>::iter_from(RecordByBodyHash::<T>::hashed_key_for(last)),
					None => RecordByBodyHash::<T>::iter(),
				};
				let Some((body_hash, id)) = entries.next() else {
					StorageVersion::new(5).put::<Pallet<T>>();
					log::info!(target: "runtime::ehr", "v5: the body-hash index is keyed by custodian");
					return Ok(None);
				};
				match Records::<T>::get(id) {
					Some(record) if record.body_hash == body_hash => {
						RecordsByBodyHash::<T>::insert(body_hash, &record.custodian, id)
					},
					_ => {
						log::warn!(target: "runtime::ehr", "v5: dropped the index entry of {body_hash:?}: record {id} does not have that body")
					},
				}
				RecordByBodyHash::<T>::remove(body_hash);
				cursor = Some(body_hash);
			}
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			use codec::Encode;
			let entries = RecordByBodyHash::<T>::iter_keys().count() + RecordsByBodyHash::<T>::iter_keys().count();
			Ok((entries as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			use codec::Decode;
			let before = u64::decode(&mut &state[..]).map_err(|_| "v5: bad pre-upgrade state")?;
			ensure!(RecordByBodyHash::<T>::iter_keys().next().is_none(), "v5: entries left in the old index");
			ensure!(RecordsByBodyHash::<T>::iter_keys().count() as u64 <= before, "v5: index entries appeared");
			Pallet::<T>::do_try_state()
		}
	}
}
