//! A hospital node's EHR services, apart from the Substrate service that
//! runs them. Each is generic over the client traits it reads the chain
//! through (`ProvideRuntimeApi` with `EhrApi`, `HeaderBackend`,
//! `BlockchainEvents`), as polkadot-sdk's RPC crates are, so it can be
//! tested against a mocked runtime API.
//!
//! - [`blob_store`]: the encrypted record bodies this hospital holds, in a
//!   [`body_storage`] backend (files, or an S3-compatible object store).
//! - [`proxy_key`]: the proxy's Umbral key file.
//! - [`proxy_worker`]: re-encrypts capsules for open requests ([`journal`]
//!   keeps its submissions across restarts).
//! - [`proxy_registration`]: keeps the node's proxy registered on chain.
//! - [`upkeep`]: deletes the bodies of records retired longer than the
//!   retirement grace, and orphaned uploads.
//! - [`retirement`]: when a retired record's body may go.
//! - [`rpc`]: the `ehr_*` JSON-RPC server (interface in `ehr-rpc-api`).
//! - [`audit_trail`]: audit before serve: a read's audit entry is in the
//!   pool before its bytes leave, and resubmitted if it is dropped.
//! - [`tx`]: signing and submitting the node's own transactions.
//! - [`peering`]: member-only peering.
//! - [`membership`]: which hospital this node acts for.
//! - [`metrics`]: Prometheus metrics.
//! - [`files`]: crash-safe file writes.
//!
//! The node starts them all with one call, [`start`].
#![warn(missing_docs)]

pub mod audit_trail;
pub mod blob_store;
pub mod body_storage;
pub mod ehr_api;
pub mod files;
pub mod http;
pub mod journal;
pub mod membership;
pub mod metrics;
pub mod peering;
pub mod proxy_key;
pub mod proxy_registration;
pub mod proxy_worker;
pub mod retirement;
pub mod rpc;
pub mod tx;
pub mod upkeep;

#[cfg(test)]
mod tests;

use ehr_primitives::{ConsortiumApi, EhrApi};
use ehr_rpc_api::EhrRpcApiServer;
use ehr_runtime::{opaque::Block, AccountId, BlockNumber, Nonce};
use frame_system_rpc_runtime_api::AccountNonceApi;
use sc_client_api::BlockchainEvents;
use sc_network::service::traits::NetworkService;
use sc_transaction_pool_api::TransactionPool;
use sp_api::{Core, ProvideRuntimeApi};
use sp_blockchain::HeaderBackend;
use sp_core::traits::SpawnNamed;
use sp_keystore::KeystorePtr;
use std::{path::PathBuf, sync::Arc, time::Duration};

/// Where the HTTP body server ([`http`]) listens and whether it takes uploads.
#[derive(Clone, Debug)]
pub struct HttpConfig {
	/// The address to listen on (port 0: one the system picks, reported by
	/// `ehr_status`).
	pub addr: std::net::SocketAddr,
	/// Whether `PUT` uploads are taken: where the node serves unsafe RPC
	/// methods, as for `ehr_putBlob`.
	pub uploads: bool,
}

/// How the node's operator configured the EHR services.
#[derive(Clone, Debug)]
pub struct ServicesConfig {
	/// The folder of the services for this chain: blob store, proxy key, journal.
	pub dir: PathBuf,
	/// Largest record body the blob store accepts, in bytes.
	pub blob_max_bytes: u64,
	/// Where record bodies rest: an S3-compatible object store, or (`None`)
	/// files in [`Self::dir`].
	pub object_store: Option<body_storage::object::S3Config>,
	/// Age after which an upload that no record points to is deleted...
	pub orphan_ttl: Duration,
	/// ...counted also in finalized blocks: a finality stall deletes nothing.
	/// See [`upkeep`].
	pub orphan_ttl_blocks: ehr_runtime::BlockNumber,
	/// Time between two passes of blob store upkeep.
	pub upkeep_interval: Duration,
	/// The development seed (`--alice` and the like): a development node
	/// creates its proxy account and proxy key from it when they are missing.
	pub dev_key_seed: Option<String>,
	/// The HTTP body server: where it listens and whether it takes uploads
	/// (`None`: it does not run).
	pub http: Option<HttpConfig>,
	/// The only hospital this node acts for (`--ehr-hospital`): if another
	/// lists the node's proxy account, the node serves, re-encrypts and
	/// deletes nothing for it, and says so in its log. `None`: whichever
	/// hospital lists the account.
	pub pinned_hospital: Option<AccountId>,
}

/// The running services, from which the node builds its `ehr_*` RPC module.
pub struct EhrServices<C> {
	/// The reads' handler, shared with the HTTP body server.
	handler: rpc::EhrRpc<C>,
}

impl<C> EhrServices<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	/// The `ehr_*` methods, to merge into the node's RPC server.
	pub fn rpc(&self) -> jsonrpsee::RpcModule<rpc::EhrRpc<C>> {
		self.handler.clone().into_rpc()
	}
}

/// Opens the blob store over the storage `config` names. An object store is
/// listed once here, so a wrong endpoint, bucket or credentials stop the
/// node at start with a sentence saying what to check.
fn open_blob_store(config: &ServicesConfig) -> Result<blob_store::BlobStore, String> {
	let dir = &config.dir;
	let storage: Arc<dyn body_storage::BodyStorage> = match &config.object_store {
		None => Arc::new(
			body_storage::file::FileStorage::open(dir)
				.map_err(|e| format!("cannot open the blob store in {}: {e}", dir.display()))?,
		),
		Some(s3) => Arc::new(body_storage::object::ObjectStorage::s3(s3)?),
	};
	let describe = storage.describe();
	let open = blob_store::BlobStore::open_with(dir, config.blob_max_bytes, storage);
	// The node builds its services from synchronous code inside its
	// multi-threaded tokio runtime.
	let handle = tokio::runtime::Handle::try_current()
		.map_err(|_| "the blob store must be opened inside the node's tokio runtime".to_string())?;
	let opened = tokio::task::block_in_place(|| handle.block_on(open));
	opened.map_err(|e| match config.object_store {
		Some(_) => format!(
			"cannot reach the object store {describe}: {e}. Check --ehr-object-store, --ehr-s3-endpoint, \
			 --ehr-s3-region and the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables"
		),
		None => format!("cannot open the blob store in {}: {e}", dir.display()),
	})
}

/// Opens the blob store and starts, on `spawner`, member-only peering
/// (keeping `gate`, the block-request filter, up to date), the
/// blob store upkeep and (when the node has a proxy account in `keystore`
/// and a proxy key file) the proxy worker and the proxy registration check. Fails with a sentence naming what
/// could not be opened or registered.
#[allow(clippy::too_many_arguments)]
pub fn start<C, P>(
	config: ServicesConfig,
	client: Arc<C>,
	pool: Arc<P>,
	keystore: KeystorePtr,
	network: Arc<dyn NetworkService>,
	gate: peering::PeerGate,
	registry: Option<&substrate_prometheus_endpoint::Registry>,
	spawner: &impl SpawnNamed,
) -> Result<EhrServices<C>, String>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + BlockchainEvents<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber>
		+ ConsortiumApi<Block, AccountId>
		+ Core<Block>
		+ AccountNonceApi<Block, AccountId, Nonce>,
	P: TransactionPool<Block = Block> + 'static,
{
	spawner.spawn(
		"ehr-member-peering",
		Some("ehr"),
		Box::pin(peering::follow_member_peers(client.clone(), network, gate)),
	);

	let dir = &config.dir;
	let store = Arc::new(open_blob_store(&config)?);
	log::info!(target: "ehr-blobs", "record bodies live in {}", store.describe());
	let metrics = metrics::EhrMetrics::new(registry).map_err(|e| format!("cannot register the EHR metrics: {e}"))?;

	let submitter: Option<Arc<dyn tx::SubmitCall>> = tx::proxy_account(&keystore, config.dev_key_seed.as_deref())
		.map(|account| Arc::new(tx::Submitter::new(client.clone(), pool, keystore.clone(), account)) as _);

	let key_path = dir.join(proxy_key::PROXY_KEY_FILE);
	if !key_path.exists() && config.dev_key_seed.is_some() {
		let public = proxy_key::generate(&key_path)?;
		log::info!(target: "ehr-proxy", "created a development proxy key {}", proxy_key::public_key_hex(&public));
	}
	let secret = if key_path.exists() { Some(proxy_key::load(&key_path)?) } else { None };
	let proxy_public_key = secret.as_ref().map(|s| proxy_key::public_key_hex(&s.public_key()));

	match (&submitter, secret) {
		(Some(submitter), Some(secret)) => {
			let worker_public_key = secret.public_key();
			log::info!(target: "ehr-proxy", "proxy account {}, key {}", submitter.account(), proxy_public_key.clone().unwrap_or_default());
			let worker = proxy_worker::ProxyWorker {
				client: client.clone(),
				submitter: submitter.clone(),
				secret,
				journal: journal::Journal::open(dir.join("proxy-submissions"), client.info().genesis_hash),
				metrics: metrics.clone(),
				kfrags: Default::default(),
				capsules: Default::default(),
				failures: Default::default(),
				pinned_hospital: config.pinned_hospital.clone(),
			};
			spawner.spawn("ehr-proxy-worker", Some("ehr"), Box::pin(worker.run()));
			let registration = proxy_registration::ProxyRegistration {
				client: client.clone(),
				submitter: submitter.clone(),
				public_key: ehr_primitives::umbral_codec::encode(&worker_public_key)
					.map_err(|_| "the proxy key does not encode".to_string())?,
				pinned_hospital: config.pinned_hospital.clone(),
			};
			spawner.spawn("ehr-proxy-registration", Some("ehr"), Box::pin(registration.run()));
		},
		_ => log::info!(
			target: "ehr-proxy",
			"proxy worker off: this node needs an `ehrp` key in its keystore and a key from `ehr-node generate-proxy-key`"
		),
	}
	let upkeep = upkeep::Upkeep::new(
		client.clone(),
		store.clone(),
		metrics.clone(),
		submitter.as_deref().map(|s| membership::NodeAccount::of(s, config.pinned_hospital.clone())),
		config.orphan_ttl,
		config.orphan_ttl_blocks,
	);
	spawner.spawn("ehr-blob-upkeep", Some("ehr"), Box::pin(upkeep.run(config.upkeep_interval)));

	let mut handler = rpc::EhrRpc::new(client, store, submitter, proxy_public_key, metrics)
		.with_pinned_hospital(config.pinned_hospital.clone());
	if let Some(http) = &config.http {
		let listener = std::net::TcpListener::bind(http.addr)
			.and_then(|listener| listener.set_nonblocking(true).map(|()| listener))
			.map_err(|e| {
				format!("cannot listen for HTTP bodies on {} ({e}); choose another --ehr-http-port", http.addr)
			})?;
		let port = listener.local_addr().map_err(|e| format!("the HTTP body server has no address: {e}"))?.port();
		handler = handler.with_http_port(port);
		let server = http::BodyServer::new(handler.clone(), http.uploads);
		log::info!(target: "ehr-http", "serving record bodies over HTTP on {}:{port} (uploads {})", http.addr.ip(), if http.uploads { "taken" } else { "refused" });
		spawner.spawn(
			"ehr-http-bodies",
			Some("ehr"),
			Box::pin(async move {
				match tokio::net::TcpListener::from_std(listener) {
					Ok(listener) => server.serve(listener).await,
					Err(error) => log::error!(target: "ehr-http", "the HTTP body server cannot start: {error}"),
				}
			}),
		);
	}
	Ok(EhrServices { handler })
}
