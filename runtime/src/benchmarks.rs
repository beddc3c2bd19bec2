//! The pallets whose benchmarks `ehr-node benchmark pallet` runs.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[pallet_timestamp, Timestamp]
	[pallet_ehr, Ehr]
	[pallet_consortium, Consortium]
);
