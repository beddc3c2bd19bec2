//! Storage migrations: version 1's rate limits become version 2's.

use crate::{migrations::v2, mock::*, pallet::*, types::*};
use codec::Encode;
use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};

#[test]
fn version_one_limits_keep_their_window_and_count_as_units() {
	build_and_execute(|| {
		StorageVersion::new(1).put::<Pallet<Test>>();
		let old = v2::OldRateLimits {
			person: v2::OldRateLimit { transactions: 7, blocks: 30 },
			hospital: v2::OldRateLimit { transactions: 900, blocks: 30 },
		};
		frame_support::storage::unhashed::put_raw(&Limits::<Test>::hashed_key(), &old.encode());
		Windows::<Test>::insert(PATIENT, TxWindow { start: 1, count: 2 });

		v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();

		let defaults = RateLimits::default();
		let limits = Limits::<Test>::get();
		assert_eq!(limits.person, RateLimit { units: 7, blocks: 30, ..defaults.person });
		assert_eq!(limits.hospital, RateLimit { units: 900, blocks: 30, ..defaults.hospital });
		assert_eq!(Pallet::<Test>::on_chain_storage_version(), StorageVersion::new(2));
		assert_eq!(
			Windows::<Test>::get(PATIENT),
			Some(TxWindow { start: 1, count: 2 }),
			"windows are kept as they are"
		);
		// Run again: nothing changes.
		v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Limits::<Test>::get(), limits);
	});
}

#[test]
fn undecodable_limits_give_way_to_the_defaults() {
	build_and_execute(|| {
		StorageVersion::new(1).put::<Pallet<Test>>();
		frame_support::storage::unhashed::put_raw(&Limits::<Test>::hashed_key(), &[1, 2, 3]);
		v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert!(!Limits::<Test>::exists());
		assert_eq!(Limits::<Test>::get(), RateLimits::default());
	});
}
