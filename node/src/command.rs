//! Parses the command line and runs the node or a subcommand.

use crate::{
	chain_spec,
	cli::{Cli, Subcommand},
	service,
};
use ehr_runtime::opaque::Block;
use sc_cli::SubstrateCli;
use sc_service::PartialComponents;

impl SubstrateCli for Cli {
	fn impl_name() -> String {
		"ehr-node".into()
	}

	fn impl_version() -> String {
		env!("SUBSTRATE_CLI_IMPL_VERSION").into()
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

	fn load_spec(&self, id: &str) -> Result<Box<dyn sc_service::ChainSpec>, String> {
		Ok(match id {
			"dev" | "development" => Box::new(chain_spec::development()?),
			"" | "local" => Box::new(chain_spec::local()?),
			path => Box::new(chain_spec::from_file(path)?),
		})
	}

	/// Substrate's command line settings (as `SubstrateCli::setup_command`
	/// makes them), with `--network-backend` defaulting to `libp2p`, the
	/// only backend ehr-node runs (see [`service::NodeNetwork`]).
	fn setup_command(cmd: clap::Command) -> clap::Command {
		let mut full_version = Self::impl_version();
		full_version.push('\n');

		cmd.name(Self::executable_name())
			.version(full_version)
			.author(Self::author())
			.about(Self::description())
			.long_about(Self::description())
			.after_help(format!("Support: {}", Self::support_url()))
			.propagate_version(true)
			.args_conflicts_with_subcommands(true)
			.subcommand_negates_reqs(true)
			.mut_args(|arg| if arg.get_id() == NETWORK_BACKEND_ARG { arg.default_value(NETWORK_BACKEND) } else { arg })
	}
}

/// The id of sc-cli's `--network-backend` option (`NetworkParams::network_backend`).
const NETWORK_BACKEND_ARG: &str = "network_backend";

/// The `--network-backend` ehr-node runs: libp2p (see [`service::NodeNetwork`]).
const NETWORK_BACKEND: &str = "libp2p";

/// Parses the command line and runs it.
pub fn run() -> sc_cli::Result<()> {
	let cli = Cli::from_args();

	match &cli.subcommand {
		Some(Subcommand::Key(cmd)) => cmd.run(&cli),
		Some(Subcommand::BuildSpec(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.chain_spec, config.network))
		},
		Some(Subcommand::CheckBlock(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::ExportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.database), task_manager))
			})
		},
		Some(Subcommand::ExportState(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, config.chain_spec), task_manager))
			})
		},
		Some(Subcommand::ImportBlocks(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, import_queue, .. } = service::new_partial(&config)?;
				Ok((cmd.run(client, import_queue), task_manager))
			})
		},
		Some(Subcommand::PurgeChain(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run(config.database))
		},
		Some(Subcommand::Revert(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.async_run(|config| {
				let PartialComponents { client, task_manager, backend, .. } = service::new_partial(&config)?;
				let aux_revert = Box::new(|client, _, blocks| {
					sc_consensus_grandpa::revert(client, blocks)?;
					Ok(())
				});
				Ok((cmd.run(client, backend, Some(aux_revert)), task_manager))
			})
		},
		Some(Subcommand::GenerateProxyKey(cmd)) => {
			let spec = cli.load_spec(&cmd.chain).map_err(sc_cli::Error::Input)?;
			let config_dir = sc_service::BasePath::new(cmd.base_path.clone()).config_dir(spec.id());
			let path =
				ehr_node_services::proxy_key::ehr_dir(&config_dir).join(ehr_node_services::proxy_key::PROXY_KEY_FILE);
			let public = ehr_node_services::proxy_key::generate(&path).map_err(sc_cli::Error::Input)?;
			println!("proxy key file: {}", path.display());
			println!("proxy public key: {}", ehr_node_services::proxy_key::public_key_hex(&public));
			Ok(())
		},
		Some(Subcommand::ChainInfo(cmd)) => {
			let runner = cli.create_runner(cmd)?;
			runner.sync_run(|config| cmd.run::<Block>(&config))
		},
		#[cfg(feature = "runtime-benchmarks")]
		Some(Subcommand::Benchmark(cmd)) => crate::benchmarking::run(&cli, cmd),
		None => {
			let runner = cli.create_runner(&cli.run)?;
			let ehr = cli.ehr.clone();
			runner.run_node_until_exit(|mut config| async move {
				// An operator who names an RPC port means that port: refuse to
				// start when it is taken instead of quietly using another one.
				if let Some(endpoints) = config.rpc.addr.as_mut() {
					for endpoint in endpoints.iter_mut() {
						endpoint.retry_random_port = false;
					}
				}
				// Member-only peering relies on libp2p's reserved-only peer
				// set (see `service::NodeNetwork`): litep2p is refused.
				if let sc_network::config::NetworkBackendType::Litep2p = config.network.network_backend {
					return Err(sc_cli::Error::Input(format!(
						"ehr-node runs the {NETWORK_BACKEND} network backend only: member-only peering needs its \
						 reserved-only peer set; drop `--network-backend litep2p`"
					)));
				}
				ensure_p2p_ports_free(&config.network.listen_addresses)?;
				// Reads stay flat as the chain grows only from a warm cache.
				config.warm_up_trie_cache = ehr.trie_cache_warm_up(config.warm_up_trie_cache);
				if let Some(warning) = crate::trie_cache::too_small_for_the_state(&config) {
					log::warn!("{warning}");
				}
				service::new_full(config, ehr).map_err(sc_cli::Error::Service)
			})
		},
	}
}

/// Refuses to start when a TCP port the node should listen on for peers is
/// taken: libp2p alone would only log it and run unreachable on that port.
fn ensure_p2p_ports_free(addresses: &[sc_network::Multiaddr]) -> sc_cli::Result<()> {
	use sc_network::multiaddr::Protocol;
	for address in addresses {
		let mut ip = None;
		let mut port = None;
		for protocol in address.iter() {
			match protocol {
				Protocol::Ip4(v4) => ip = Some(std::net::IpAddr::V4(v4)),
				Protocol::Ip6(v6) => ip = Some(std::net::IpAddr::V6(v6)),
				Protocol::Tcp(p) => port = Some(p),
				_ => {},
			}
		}
		let (Some(ip), Some(port)) = (ip, port) else { continue };
		if port == 0 {
			continue;
		}
		if let Err(error) = std::net::TcpListener::bind((ip, port)) {
			if error.kind() == std::io::ErrorKind::AddrInUse {
				return Err(sc_cli::Error::Input(format!(
					"p2p port {port} is already in use on {ip}: stop the program using it or choose another with --port"
				)));
			}
		}
	}
	Ok(())
}
