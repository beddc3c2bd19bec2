//! `ehr-bench-state`: grows a development database and measures on it
//! (issue 17, item 5). Never point it at a real node's base path: the blocks
//! it writes carry no transactions, so no other node can verify them.
//!
//! ```text
//! ehr-bench-state grow --base-path DIR --patients 100000 --records 1000000
//! ehr-bench-state measure --base-path DIR --samples 64
//! ehr-bench-state capacity --base-path DIR --save-blocks BLOCKS
//! ehr-bench-state import-block --base-path DIR --block BLOCKS/create_record.block
//! ```

use clap::Parser;
use ehr_bench_state::{grow, measure, BenchState};
use sc_cli::{CliConfiguration, ImportParams, SharedParams, SubstrateCli};
use std::path::PathBuf;

/// The harness's command line.
#[derive(Debug, Parser)]
#[command(name = "ehr-bench-state", about = "Grows an ehr-chain development database and measures on it")]
struct Cli {
	#[command(subcommand)]
	command: Command,
}

#[derive(Debug, clap::Subcommand)]
enum Command {
	/// Registers patients, creates records and opens requests up to the
	/// given totals, writing the state directly (one block per step).
	Grow(GrowCmd),
	/// Prints the figures of the database's best block as JSON.
	Measure(MeasureCmd),
	/// Prints how many `create_record` and how many same-length
	/// `system.remark` transactions one block takes, as JSON.
	Capacity(CapacityCmd),
	/// Imports (executes, without committing) a block `capacity` saved and
	/// prints how long it took, with an empty trie cache and a warm one, as
	/// JSON.
	ImportBlock(ImportBlockCmd),
}

/// `grow`'s options.
#[derive(Debug, clap::Args)]
struct GrowCmd {
	/// Patients in all.
	#[arg(long, default_value_t = 100_000)]
	patients: u32,
	/// Records in all.
	#[arg(long)]
	records: u64,
	/// Patients or records per written block.
	#[arg(long, default_value_t = 50_000)]
	per_block: u32,
	/// Open requests to leave for `measure` (at most 64).
	#[arg(long, default_value_t = 64)]
	requests: u32,
	/// Empty blocks to write after the records (default: the node's state
	/// pruning window, so that a starting node reads no journal of the
	/// harness's large blocks).
	#[arg(long, default_value_t = grow::PRUNING_WINDOW)]
	settle_blocks: u32,
	#[command(flatten)]
	params: NodeParams,
}

/// `measure`'s options.
#[derive(Debug, clap::Args)]
struct MeasureCmd {
	/// Samples of each figure (at most one `submit_cfrag` per open request).
	#[arg(long, default_value_t = 64)]
	samples: usize,
	#[command(flatten)]
	params: NodeParams,
}

/// `capacity`'s options.
#[derive(Debug, clap::Args)]
struct CapacityCmd {
	/// A folder to save the two full blocks in, for `import-block`.
	#[arg(long, value_name = "FOLDER")]
	save_blocks: Option<PathBuf>,
	#[command(flatten)]
	params: NodeParams,
}

/// `import-block`'s options.
#[derive(Debug, clap::Args)]
struct ImportBlockCmd {
	/// A block `capacity --save-blocks` wrote, on this database's best block.
	#[arg(long, value_name = "FILE")]
	block: PathBuf,
	#[command(flatten)]
	params: NodeParams,
}

/// Where the database is: the node's own options.
#[derive(Debug, clap::Args)]
struct NodeParams {
	#[command(flatten)]
	shared: SharedParams,
	#[command(flatten)]
	import: ImportParams,
}

impl CliConfiguration for NodeParams {
	fn shared_params(&self) -> &SharedParams {
		&self.shared
	}
	fn import_params(&self) -> Option<&ImportParams> {
		Some(&self.import)
	}
}

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"ehr-bench-state".into()
	}
	fn impl_version() -> String {
		env!("CARGO_PKG_VERSION").into()
	}
	fn description() -> String {
		env!("CARGO_PKG_DESCRIPTION").into()
	}
	fn author() -> String {
		env!("CARGO_PKG_AUTHORS").into()
	}
	fn support_url() -> String {
		"the ehr-chain issue tracker".into()
	}
	fn copyright_start_year() -> i32 {
		2026
	}
	/// The development chain only: the harness's blocks belong nowhere else.
	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		match id {
			"dev" | "development" => Ok(Box::new(ehr_node::chain_spec::development()?)),
			other => Err(format!("ehr-bench-state grows the development chain only (--chain dev), not {other:?}")),
		}
	}
}

fn base_path(config: &sc_service::Configuration) -> PathBuf {
	config.base_path.path().to_path_buf()
}

/// Opens the database `params` name, runs `figures` on it and prints what
/// it returns as one line of JSON.
fn print_json<F: serde::Serialize>(
	cli: &Cli,
	params: &NodeParams,
	figures: impl FnOnce(&ehr_node::service::Service, &BenchState) -> Result<F, String>,
) -> sc_cli::Result<()> {
	cli.create_runner(params)?.sync_run(|config| {
		let state = BenchState::load(&base_path(&config))?;
		let parts = ehr_node::service::new_partial(&config)?;
		let figures = figures(&parts, &state)?;
		println!("{}", serde_json::to_string(&figures).map_err(|e| e.to_string())?);
		Ok(())
	})
}

fn main() -> sc_cli::Result<()> {
	let cli = Cli::parse();
	match &cli.command {
		Command::Grow(cmd) => {
			let runner = cli.create_runner(&cmd.params)?;
			runner.sync_run(|config| {
				let base = base_path(&config);
				let parts = ehr_node::service::new_partial(&config)?;
				let target = grow::Target {
					patients: cmd.patients,
					records: cmd.records,
					per_block: cmd.per_block,
					requests: cmd.requests,
					settle_blocks: cmd.settle_blocks,
				};
				let state = grow::grow(&parts.client, &parts.backend, &base, &target)?;
				eprintln!("grow: {} patients, {} records", state.patients, state.records);
				Ok(())
			})
		},
		Command::Measure(cmd) => {
			print_json(&cli, &cmd.params, |parts, state| measure::measure(&parts.client, state, cmd.samples))
		},
		Command::Capacity(cmd) => print_json(&cli, &cmd.params, |parts, state| {
			measure::block_capacity(&parts.client, state, cmd.save_blocks.as_deref())
		}),
		Command::ImportBlock(cmd) => print_json(&cli, &cmd.params, |parts, _| {
			measure::import_time(&parts.client, &parts.backend, &measure::BuiltBlock::load(&cmd.block)?)
		}),
	}
}
