//! `ehr-node benchmark`: runtime and database benchmarks, compiled only with
//! the `runtime-benchmarks` feature (see scripts/benchmark-weights).

use crate::{cli::Cli, service};
use ehr_runtime::opaque::Block;
use frame_benchmarking_cli::BenchmarkCmd;
use sc_cli::SubstrateCli;

/// Runs a benchmark subcommand: `pallet` (the pallets' weights), `storage`
/// (this machine's database read and write weights, on the state of the
/// database at `--base-path`) and `machine`.
pub fn run(cli: &Cli, cmd: &BenchmarkCmd) -> sc_cli::Result<()> {
	let runner = cli.create_runner(cmd)?;
	runner.sync_run(|config| match cmd {
		BenchmarkCmd::Pallet(cmd) => cmd
			.run_with_spec::<sp_runtime::traits::HashingFor<Block>, ehr_primitives::host::ehr_crypto::HostFunctions>(
				Some(config.chain_spec),
			),
		BenchmarkCmd::Storage(cmd) => {
			let parts = service::new_partial(&config)?;
			let db = parts.backend.expose_db();
			let storage = parts.backend.expose_storage();
			let shared_trie_cache = parts.backend.expose_shared_trie_cache();
			cmd.run(config, parts.client, db, storage, shared_trie_cache)
		},
		BenchmarkCmd::Machine(cmd) => cmd.run(&config, frame_benchmarking_cli::SUBSTRATE_REFERENCE_HARDWARE.clone()),
		_ => Err("ehr-node offers `benchmark pallet`, `benchmark storage` and `benchmark machine` only".into()),
	})
}
