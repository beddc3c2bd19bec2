// SPDX-License-Identifier: GPL-3.0-only
//! This node's database read and write weights, measured by
//! `ehr-node benchmark storage` (frame-benchmarking-cli 64.0.0) on
//! `ParityDb` with the state at block Number(304) of a development
//! database grown to a million records (`scripts/benchmark-weights storage`;
//! docs/benchmarks.md, "Database weights"). Generated; do not edit.
//!
//! The machine class they hold for: 2 vCPUs, 24 GiB, a virtio SSD (the
//! project's reference machine, `Intel(R) Xeon(R) Processor`). A hospital running slower
//! disks re-measures and the consortium ships the figures in a runtime
//! upgrade (docs/operator.md).
//!
//! SKIP-WRITE: `false`, SKIP-READ: `false`, WARMUPS: `1`
//! STATE-VERSION: `V1`
//! METRIC: `Average`, WEIGHT-MUL: `1.1`, WEIGHT-ADD: `0`

// Executed Command:
//   ehr-node
//   benchmark
//   storage
//   --chain
//   dev
//   --base-path
//   BASE_PATH
//   --database
//   paritydb
//   --state-version
//   1
//   --keys-limit
//   200000
//   --batch-size
//   1000
//   --warmups
//   1
//   --mul
//   1.1
//   --template-path
//   scripts/db-weight-template.hbs
//   --weight-path
//   runtime/src/db_weights.rs

use frame_support::{
	parameter_types,
	weights::{constants, RuntimeDbWeight},
};

parameter_types! {
	/// The weights of one read and one write of this runtime's state on
	/// ParityDB, for frame-system's `DbWeight`.
	pub const ParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
		// One storage read: the Average of
		// the measured reads times 1.1 plus
		// 0.
		//
		// Nanoseconds: min 673, max 1_174_427,
		// average 6_384, median 5_410,
		// p95 9_732, p99 16_160.
		read: 7_023 * constants::WEIGHT_REF_TIME_PER_NANOS,

		// One storage write, with its share of the storage root's
		// computation: the Average of the
		// measured writes times 1.1 plus
		// 0.
		//
		// Nanoseconds: min 15_755, max 78_381,
		// average 24_121, median 21_547,
		// p95 60_643, p99 69_622.
		write: 26_534 * constants::WEIGHT_REF_TIME_PER_NANOS,
	};
}
