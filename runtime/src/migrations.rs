//! The storage migrations an upgrade runs: the single-block ones in the
//! upgrade's own block (through `Executive`), and the multi-block ones after
//! it, through pallet-migrations, a bounded share of each block's weight at
//! a time. While a multi-block migration runs, blocks include no
//! transactions (they wait in the pool), so no call sees half-migrated
//! storage (docs/operator.md, "Runtime upgrades").

use crate::{configs::RuntimeBlockWeights, Runtime, RuntimeEvent};
use frame_support::{parameter_types, weights::Weight};
use sp_runtime::Perbill;

/// Migrations run in the upgrade's block, in order; each runs once, by its
/// pallet's storage version.
#[allow(unused_parens)]
pub type SingleBlockMigrations = (
	pallet_ehr::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_ehr::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_ehr::migrations::v4::MigrateV3ToV4<Runtime>,
	pallet_consortium::migrations::v2::MigrateV1ToV2<Runtime>,
);

/// Migrations run over as many blocks as they need, after the single-block
/// ones; each step checks its pallet's storage version, so a chain that is
/// already migrated finishes at once.
#[cfg(not(feature = "runtime-benchmarks"))]
pub type Stepped = (pallet_ehr::migrations::v5::MigrateV4ToV5<Runtime>,);

parameter_types! {
	/// Half of a block's weight goes to a running multi-block migration:
	/// about 11,000 body-hash entries a block for pallet-ehr's version 5
	/// (two reads and two writes each), and the other half is left for the
	/// block's mandatory work.
	pub MigrationServiceWeight: Weight = Perbill::from_percent(50) * RuntimeBlockWeights::get().max_block;
}

impl pallet_migrations::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	#[cfg(not(feature = "runtime-benchmarks"))]
	type Migrations = Stepped;
	#[cfg(feature = "runtime-benchmarks")]
	type Migrations = pallet_migrations::mock_helpers::MockedMigrations;
	/// A cursor of pallet-ehr's version 5 is one body hash; room for more.
	type CursorMaxLen = frame_support::traits::ConstU32<65_536>;
	type IdentifierMaxLen = frame_support::traits::ConstU32<256>;
	type MigrationStatusHandler = ();
	/// A migration that fails stops the chain's transactions until the
	/// council fixes it (`force_set_cursor` in a motion): continuing on
	/// half-migrated storage could lose records' index entries.
	type FailedMigrationHandler = frame_support::migrations::FreezeChainOnFailedMigration;
	type MaxServiceWeight = MigrationServiceWeight;
	type WeightInfo = pallet_migrations::weights::SubstrateWeight<Runtime>;
}
