//! The command line of ehr-node.

use sc_cli::RunCmd;

/// ehr-node: run a hospital's node, or one of the operator subcommands.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// An operator subcommand; without one, the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of a running node. `--network-backend` defaults to `libp2p`
	/// here, the only backend ehr-node runs (see `service::NodeNetwork`).
	#[clap(flatten)]
	pub run: RunCmd,

	/// Options of the node's EHR services.
	#[clap(flatten)]
	pub ehr: EhrParams,
}

/// Options of the blob store and proxy.
#[derive(Debug, Clone, clap::Args)]
pub struct EhrParams {
	/// Largest record body this node stores, in bytes.
	#[arg(long, default_value_t = 256 * 1024 * 1024)]
	pub ehr_blob_max_bytes: u64,

	/// Keep record bodies in an S3-compatible object store instead of the
	/// node's own folder: `s3://<bucket>[/<prefix>]`. Credentials come from
	/// the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment
	/// variables (see docs/operator.md, "Where record bodies live").
	#[arg(long, value_name = "S3_URL", value_parser = ehr_node_services::body_storage::object::S3Config::from_url)]
	pub ehr_object_store: Option<ehr_node_services::body_storage::object::S3Config>,

	/// The object store's URL, for a service other than AWS S3 (Garage,
	/// Ceph RGW, MinIO...), e.g. `https://s3.hospital.example:3900`.
	#[arg(long, value_name = "URL", requires = "ehr_object_store")]
	pub ehr_s3_endpoint: Option<String>,

	/// The object store's region (default: AWS_REGION, else `us-east-1`).
	#[arg(long, requires = "ehr_object_store")]
	pub ehr_s3_region: Option<String>,

	/// Allow a plain `http://` object store endpoint (a trusted network or
	/// loopback only: bodies are encrypted, credentials are signed, but
	/// nothing else is protected).
	#[arg(long, requires = "ehr_object_store")]
	pub ehr_s3_allow_http: bool,

	/// Seconds after which an uploaded body that no record points to is
	/// deleted; the wait is also counted in finalized blocks, so a finality
	/// stall deletes nothing (see docs/operator.md).
	#[arg(long, default_value_t = 3600)]
	pub ehr_orphan_ttl_secs: u64,

	/// Seconds between two passes of blob store upkeep (deleting retired
	/// records' bodies and orphan uploads).
	#[arg(long, default_value_t = 60)]
	pub ehr_upkeep_interval_secs: u64,

	/// Port of the HTTP body server, which serves record bodies as plain
	/// bytes to signed readers (docs/rpc.md, "Bodies over HTTP"). 0, the
	/// default, lets the system pick a free port; `ehr_status` reports it.
	#[arg(long, default_value_t = 0)]
	pub ehr_http_port: u16,

	/// Let the HTTP body server listen on every interface, not only the
	/// local one (as `--rpc-external` does for RPC). Uploads are then taken
	/// only with `--rpc-methods unsafe`.
	#[arg(long)]
	pub ehr_http_external: bool,

	/// Do not run the HTTP body server (bodies are then read through
	/// `ehr_getBlob` only).
	#[arg(long)]
	pub ehr_no_http: bool,

	/// Start with an empty trie cache. By default the node reads the chain's
	/// state into its trie cache in the background at start (what
	/// `--warm-up-trie-cache non-blocking` does), so that a record read costs
	/// about the same at a million records as at ten thousand; see
	/// docs/operator.md, "Reads as the chain grows".
	#[arg(long, conflicts_with = "warm_up_trie_cache")]
	pub ehr_no_trie_cache_warm_up: bool,

	/// The member hospital this node acts for, as an SS58 account. If
	/// another hospital lists the node's proxy account (it took the account
	/// before yours registered it), the node serves, re-encrypts and deletes
	/// nothing for it and says so in its log. Without it, the node acts for
	/// whichever hospital lists its account.
	#[arg(long, value_parser = hospital_account)]
	pub ehr_hospital: Option<ehr_runtime::AccountId>,
}

/// Parses `--ehr-hospital`: an SS58 account.
fn hospital_account(text: &str) -> Result<ehr_runtime::AccountId, String> {
	use sp_core::crypto::Ss58Codec;
	ehr_runtime::AccountId::from_ss58check(text.trim()).map_err(|e| {
		format!("`{text}` is not an SS58 account ({e:?}); give the hospital's account as polkadot-js or `ehr` shows it")
	})
}

impl EhrParams {
	/// How the node warms its trie cache at start: as `configured` by
	/// `--warm-up-trie-cache`, else in the background unless
	/// `--ehr-no-trie-cache-warm-up` is given.
	pub fn trie_cache_warm_up(
		&self,
		configured: Option<sc_service::config::TrieCacheWarmUpStrategy>,
	) -> Option<sc_service::config::TrieCacheWarmUpStrategy> {
		match (configured, self.ehr_no_trie_cache_warm_up) {
			(Some(strategy), _) => Some(strategy),
			(None, true) => None,
			(None, false) => Some(sc_service::config::TrieCacheWarmUpStrategy::NonBlocking),
		}
	}

	/// The EHR services' configuration for a node running with `config`
	/// on a chain with `slot_ms` milliseconds per block: their folder is
	/// `ehr` in the chain's config folder of the base path, and the orphan
	/// TTL is also counted in finalized blocks.
	pub fn services_config(
		&self,
		config: &sc_service::Configuration,
		slot_ms: u64,
	) -> ehr_node_services::ServicesConfig {
		ehr_node_services::ServicesConfig {
			dir: ehr_node_services::proxy_key::ehr_dir(&config.base_path.config_dir(config.chain_spec.id())),
			blob_max_bytes: self.ehr_blob_max_bytes,
			object_store: self.ehr_object_store.clone().map(|s3| ehr_node_services::body_storage::object::S3Config {
				endpoint: self.ehr_s3_endpoint.clone(),
				region: self.ehr_s3_region.clone(),
				allow_http: self.ehr_s3_allow_http,
				..s3
			}),
			orphan_ttl: std::time::Duration::from_secs(self.ehr_orphan_ttl_secs),
			orphan_ttl_blocks: u32::try_from(self.ehr_orphan_ttl_secs.saturating_mul(1000) / slot_ms.max(1))
				.unwrap_or(u32::MAX),
			upkeep_interval: std::time::Duration::from_secs(self.ehr_upkeep_interval_secs.max(1)),
			dev_key_seed: config.dev_key_seed.clone(),
			http: (!self.ehr_no_http).then(|| {
				let ip: std::net::IpAddr = match self.ehr_http_external {
					true => std::net::Ipv4Addr::UNSPECIFIED.into(),
					false => std::net::Ipv4Addr::LOCALHOST.into(),
				};
				// Uploads as for `ehr_putBlob`: where unsafe methods are served.
				let uploads = match config.rpc.methods {
					sc_service::config::RpcMethods::Unsafe => true,
					sc_service::config::RpcMethods::Safe => false,
					sc_service::config::RpcMethods::Auto => !self.ehr_http_external,
				};
				ehr_node_services::HttpConfig { addr: (ip, self.ehr_http_port).into(), uploads }
			}),
			pinned_hospital: self.ehr_hospital.clone(),
		}
	}
}

/// `ehr-node generate-proxy-key`: creates the hospital proxy's Umbral key pair.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateProxyKeyCmd {
	/// The node's base path (as given to `--base-path`).
	#[arg(long, short = 'd')]
	pub base_path: std::path::PathBuf,

	/// The chain: `dev`, `local` or a chain spec file.
	#[arg(long, default_value = "local")]
	pub chain: String,
}

/// Operator subcommands.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management: generate, inspect, insert keys and node keys.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification.
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Create this hospital proxy's Umbral key pair (mode 0600 in the base
	/// path) and print its public key for `register_proxy`; never overwrites.
	GenerateProxyKey(GenerateProxyKeyCmd),

	/// Database meta columns information.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Runtime benchmarks (only in a node built with `--features runtime-benchmarks`).
	#[cfg(feature = "runtime-benchmarks")]
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),
}
