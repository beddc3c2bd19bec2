//! `ehr-node benchmark`: runtime benchmarks, compiled only with the
//! `runtime-benchmarks` feature (see scripts/benchmark-weights).

use crate::cli::Cli;
use ehr_runtime::opaque::Block;
use frame_benchmarking_cli::BenchmarkCmd;
use sc_cli::SubstrateCli;

/// Runs a benchmark subcommand. Only `pallet` and `machine` are offered.
pub fn run(cli: &Cli, cmd: &BenchmarkCmd) -> sc_cli::Result<()> {
	let runner = cli.create_runner(cmd)?;
	runner.sync_run(|config| match cmd {
		BenchmarkCmd::Pallet(cmd) => cmd
			.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ehr_primitives::host::ehr_crypto::HostFunctions>(
				Some(config.chain_spec),
			),
		BenchmarkCmd::Machine(cmd) => cmd.run(&config, frame_benchmarking_cli::SUBSTRATE_REFERENCE_HARDWARE.clone()),
		_ => Err("ehr-node offers `benchmark pallet` and `benchmark machine` only".into()),
	})
}
