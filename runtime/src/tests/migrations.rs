//! The runtime's multi-block migration, on the runtime's own weights:
//! pallet-ehr's version 5 moves the body-hash index under each custodian
//! over several blocks, half a block's weight at a time, and every record
//! stays findable by its body all along.

use super::local;
use crate::{AccountId, Ehr, MultiBlockMigrations, Runtime};
use frame_support::{
	migrations::MultiStepMigrator,
	traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
};
use pallet_ehr::migrations::v5::RecordByBodyHash as Version4Index;
use sp_core::H256;
use sp_keyring::Sr25519Keyring::{Alice, Bob};

/// More entries than one block's share of weight moves (about 11,000).
const ENTRIES: u64 = 25_000;

fn body(id: u64) -> H256 {
	H256::from_low_u64_be(id + 1)
}

#[test]
fn the_body_hash_index_moves_under_each_custodian_over_several_blocks() {
	local().execute_with(|| {
		let (alice, bob): (AccountId, AccountId) = (Alice.to_account_id(), Bob.to_account_id());
		// Version 4's state: records, each indexed chain-wide by its body hash.
		for id in 0..ENTRIES {
			let custodian = if id % 2 == 0 { alice.clone() } else { bob.clone() };
			let record = ehr_primitives::Record {
				patient: alice.clone(),
				custodian,
				capsule: Default::default(),
				encrypted_metadata: Default::default(),
				body_hash: body(id),
				body_size: 1,
				created_at: 1,
				retired_at: None,
			};
			pallet_ehr::Records::<Runtime>::insert(id, record);
			Version4Index::<Runtime>::insert(body(id), id);
		}
		StorageVersion::new(4).put::<Ehr>();

		MultiBlockMigrations::on_runtime_upgrade();
		assert!(<MultiBlockMigrations as MultiStepMigrator>::ongoing(), "the upgrade starts the migration");
		let mut blocks = 0;
		while <MultiBlockMigrations as MultiStepMigrator>::ongoing() {
			<MultiBlockMigrations as MultiStepMigrator>::step();
			blocks += 1;
			assert!(blocks <= 10, "the migration ends");
			// Moved or not yet, the first and the last record are found, each only under its custodian.
			let (first, last) = (body(0), body(ENTRIES - 1));
			assert_eq!(Ehr::record_with_body(first, Some(&alice)).map(|(id, _)| id), Some(0));
			assert_eq!(Ehr::record_with_body(last, Some(&bob)).map(|(id, _)| id), Some(ENTRIES - 1));
			assert_eq!(Ehr::record_with_body(last, Some(&alice)), None);
		}
		assert!(blocks >= 3, "{ENTRIES} entries take more than one block's share: {blocks} blocks");
		assert_eq!(Ehr::on_chain_storage_version(), StorageVersion::new(5));
		assert!(Version4Index::<Runtime>::iter_keys().next().is_none(), "nothing is left in the old index");
		assert_eq!(pallet_ehr::RecordsByBodyHash::<Runtime>::iter_keys().count() as u64, ENTRIES);
		assert_eq!(pallet_ehr::RecordsByBodyHash::<Runtime>::get(body(1), &bob), Some(1));

		// The next upgrade finds the pallet at version 5: the migration ends at once.
		MultiBlockMigrations::on_runtime_upgrade();
		<MultiBlockMigrations as MultiStepMigrator>::step();
		assert!(!<MultiBlockMigrations as MultiStepMigrator>::ongoing());
		assert_eq!(pallet_ehr::RecordsByBodyHash::<Runtime>::iter_keys().count() as u64, ENTRIES);
	});
}
