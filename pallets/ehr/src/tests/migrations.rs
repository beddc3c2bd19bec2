//! Storage migrations: version 1 to 2 (kfrag ids on grant proxies), 3 to 4
//! (the retirement grace among the parameters) and 4 to 5 (the body-hash
//! index by custodian; its stepping on the runtime's weights is a runtime
//! test).

use super::{check_invariants, request};
use crate::{mock::*, types::*};
use frame_support::assert_ok;

#[test]
fn migration_to_v2_keeps_old_grants_without_kfrag_ids_and_drops_unusable_ones() {
	use crate::migrations::v2::{MigrateV1ToV2, OldGrant, OldGrantProxy};
	use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	// Not build_and_execute: it writes version-1 grants, which try_state cannot read until they are migrated.
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let good = world.grant(PATIENT, CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		let bad = world.grant(PATIENT, OTHER_CLINICIAN, Scope::AllRecords, 1, &[HOSPITAL_A], None);
		// Write both back in the version-1 layout; the second with a sealed kfrag
		// larger than sealing ever produces (version 1 allowed up to 768 bytes).
		for (id, kfrag_len) in [(good, None), (bad, Some(600))] {
			let grant = crate::Grants::<Test>::get(id).unwrap();
			let proxies = grant
				.proxies
				.iter()
				.map(|p| OldGrantProxy {
					hospital: p.hospital,
					encrypted_kfrag: kfrag_len
						.map_or(p.encrypted_kfrag.to_vec(), |len| vec![1; len])
						.try_into()
						.unwrap(),
				})
				.collect::<Vec<_>>();
			let old = OldGrant {
				patient: grant.patient,
				grantee: grant.grantee,
				scope: grant.scope,
				threshold: grant.threshold,
				proxies: proxies.try_into().unwrap(),
				expires_at: grant.expires_at,
				purpose: grant.purpose,
				created_at: grant.created_at,
				revoked_at: grant.revoked_at,
			};
			frame_support::storage::unhashed::put(&crate::Grants::<Test>::hashed_key_for(id), &old);
		}
		StorageVersion::new(1).put::<Ehr>();
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert_eq!(Ehr::on_chain_storage_version(), StorageVersion::new(2));
		let migrated = crate::Grants::<Test>::get(good).expect("the usable grant is kept");
		assert!(migrated.proxies.iter().all(|p| p.kfrag_id.is_none()));
		assert!(crate::Grants::<Test>::get(bad).is_none());
		assert!(!crate::GrantsByGrantee::<Test>::contains_key(OTHER_CLINICIAN, bad));
		check_invariants();
		// The migrated grant still works.
		let record = world.create_record(HOSPITAL_A, PATIENT, b"after the upgrade");
		let req = request(&world, good, record);
		assert_ok!(world.deliver(HOSPITAL_A, req));
		assert_eq!(world.open(req), b"after the upgrade".to_vec());
		// Running it again does nothing.
		MigrateV1ToV2::<Test>::on_runtime_upgrade();
		assert!(crate::Grants::<Test>::get(good).is_some());
		check_invariants();
	});
}

#[test]
fn migration_to_v4_gives_the_parameters_the_default_retirement_grace() {
	use crate::migrations::v4::{MigrateV3ToV4, OldParameters};
	use frame_support::traits::{Get, GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
	// Not build_and_execute: it writes version-3 parameters, which try_state cannot read until migrated.
	new_test_ext().execute_with(|| {
		let key = crate::Parameters::<Test>::hashed_key();
		frame_support::storage::unhashed::put(&key, &OldParameters { reading_window: 7u64, retention: 70u64 });
		StorageVersion::new(3).put::<Ehr>();
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert_eq!(Ehr::on_chain_storage_version(), StorageVersion::new(4));
		let grace = <DefaultParameters as Get<EhrParameters<u64>>>::get().retirement_grace;
		assert_eq!(
			crate::Parameters::<Test>::get(),
			EhrParameters { reading_window: 7, retention: 70, retirement_grace: grace },
			"the governed values stay, the grace is the default"
		);
		// Running it again changes nothing.
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert_eq!(crate::Parameters::<Test>::get().reading_window, 7);
		check_invariants();
	});
}

#[test]
fn migration_to_v4_of_a_chain_that_never_set_parameters_keeps_the_defaults() {
	use crate::migrations::v4::MigrateV3ToV4;
	use frame_support::traits::{Get, OnRuntimeUpgrade, StorageVersion};
	new_test_ext().execute_with(|| {
		StorageVersion::new(3).put::<Ehr>();
		MigrateV3ToV4::<Test>::on_runtime_upgrade();
		assert!(!crate::Parameters::<Test>::exists());
		assert_eq!(crate::Parameters::<Test>::get(), <DefaultParameters as Get<EhrParameters<u64>>>::get());
		check_invariants();
	});
}

#[test]
fn migration_to_v5_moves_each_body_hash_under_its_records_custodian() {
	use crate::{
		migrations::v5::{MigrateV4ToV5, RecordByBodyHash as Version4Index},
		Records, RecordsByBodyHash,
	};
	use frame_support::{
		migrations::SteppedMigration,
		traits::{GetStorageVersion, StorageVersion},
		weights::WeightMeter,
	};
	// Not build_and_execute: try_state cannot hold until the index is moved.
	new_test_ext().execute_with(|| {
		let world = World::setup();
		let ids = [world.create_record(HOSPITAL_A, PATIENT, b"a's"), world.create_record(HOSPITAL_B, PATIENT, b"b's")];
		let records = ids.map(|id| Records::<Test>::get(id).unwrap());
		// Back to version 4's layout, with one entry whose record is gone.
		for (id, record) in ids.iter().zip(&records) {
			RecordsByBodyHash::<Test>::remove(record.body_hash, record.custodian);
			Version4Index::<Test>::insert(record.body_hash, id);
		}
		let dangling = sp_core::H256::repeat_byte(7);
		Version4Index::<Test>::insert(dangling, 999);
		StorageVersion::new(4).put::<Ehr>();
		// Before the move, the old index answers, by custodian.
		assert_eq!(Ehr::record_with_body(records[0].body_hash, Some(&HOSPITAL_A)).map(|(id, _)| id), Some(ids[0]));
		assert_eq!(Ehr::record_with_body(records[1].body_hash, Some(&HOSPITAL_A)), None);

		let mut cursor = None;
		for step in 0.. {
			assert!(step < 10, "the migration ends");
			cursor = MigrateV4ToV5::<Test>::step(cursor, &mut WeightMeter::new()).expect("a step succeeds");
			if cursor.is_none() {
				break;
			}
		}
		assert_eq!(Ehr::on_chain_storage_version(), StorageVersion::new(5));
		assert!(Version4Index::<Test>::iter_keys().next().is_none(), "the old index is empty");
		for (id, record) in ids.iter().zip(&records) {
			assert_eq!(RecordsByBodyHash::<Test>::get(record.body_hash, record.custodian), Some(*id));
		}
		assert_eq!(RecordsByBodyHash::<Test>::iter_keys().count(), 2, "the dangling entry is dropped");
		check_invariants();
		// Once at version 5 a step does nothing.
		assert_eq!(MigrateV4ToV5::<Test>::step(None, &mut WeightMeter::new()), Ok(None));
		// The same bytes can now be another custodian's record too.
		let again = &records[0];
		assert_ok!(Ehr::create_record(
			RuntimeOrigin::signed(HOSPITAL_C),
			PATIENT,
			again.capsule.clone(),
			again.encrypted_metadata.clone(),
			again.body_hash,
			again.body_size
		));
		check_invariants();
	});
}
