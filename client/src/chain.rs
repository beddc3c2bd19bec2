//! The client's view of ehr-chain: subxt, typed from the runtime's metadata
//! (`metadata/ehr-runtime.scale`, kept in step with the runtime by the
//! `metadata_matches_the_runtime` test), for transactions and events; the
//! runtime APIs (`EhrApi`, `ConsortiumApi`) decoded into `ehr-primitives`'
//! types; and the node's `ehr_*` JSON-RPC methods for bodies.

use anyhow::{anyhow, bail, Context, Result};
use ehr_primitives::consortium::admission_error;
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use std::sync::Arc;
use subxt::{
	backend::LegacyBackend,
	client::OnlineClientAtBlockImpl,
	config::DefaultExtrinsicParamsBuilder,
	error::{
		BackendError, DispatchError, ExtrinsicError, RpcError, TransactionEventsError, TransactionFinalizedSuccessError,
	},
	extrinsics::ExtrinsicEvents,
	rpcs::{client::RpcParams, RpcClient},
	tx::{Payload, Signer, TransactionProgress},
	utils::{AccountId32, MultiSignature},
	OnlineClient, OnlineClientAtBlock, PolkadotConfig,
};

/// The runtime's calls, events, runtime APIs and types, generated from its
/// metadata. The shapes the runtime APIs return are the primitives' own
/// types (decoded by SCALE as the runtime encodes them), not generated
/// copies; calls keep the generated types their metadata describes.
#[subxt::subxt(
	runtime_metadata_path = "metadata/ehr-runtime.scale",
	substitute_type(
		path = "ehr_primitives::types::Record",
		with = "::subxt::utils::Static<crate::state::ChainRecord>"
	),
	substitute_type(path = "ehr_primitives::types::Grant", with = "::subxt::utils::Static<crate::state::ChainGrant>"),
	substitute_type(
		path = "ehr_primitives::types::AccessRequest",
		with = "::subxt::utils::Static<crate::state::ChainRequest>"
	),
	substitute_type(
		path = "ehr_primitives::types::PatientInfo",
		with = "::subxt::utils::Static<crate::state::ChainPatient>"
	),
	substitute_type(
		path = "ehr_primitives::types::ProviderInfo",
		with = "::subxt::utils::Static<crate::state::ChainProvider>"
	),
	substitute_type(
		path = "ehr_primitives::types::ProxyInfo",
		with = "::subxt::utils::Static<crate::state::ChainProxy>"
	),
	substitute_type(
		path = "ehr_primitives::types::AuditEntry",
		with = "::subxt::utils::Static<crate::state::ChainAuditEntry>"
	),
	substitute_type(
		path = "ehr_primitives::types::EhrParameters",
		with = "::subxt::utils::Static<::ehr_primitives::EhrParameters<u32>>"
	),
	substitute_type(
		path = "ehr_primitives::consortium::HospitalProfile",
		with = "::subxt::utils::Static<::ehr_primitives::consortium::HospitalProfile>"
	)
)]
pub mod runtime {}

/// The runtime's account id type as generated (same bytes as `sp_runtime`'s).
pub type AccountId = AccountId32;

/// How many blocks a transaction the client signs stays valid for, counted
/// from the finalized block the client reads when signing: the chain's
/// [`TX_MORTALITY_BLOCKS`](ehr_primitives::TX_MORTALITY_BLOCKS). Once it has
/// passed, a failed command can be retried without acting twice.
const TX_MORTALITY: u64 = ehr_primitives::TX_MORTALITY_BLOCKS as u64;

/// The progress of a submitted transaction.
type Progress = TransactionProgress<PolkadotConfig, OnlineClientAtBlockImpl<PolkadotConfig>>;

/// A connection to one ehr-chain node.
pub struct Chain {
	/// The subxt client.
	pub api: OnlineClient<PolkadotConfig>,
	/// The client at the finalized block read on connecting: the runtime's
	/// metadata and constants.
	pub connected: OnlineClientAtBlock<PolkadotConfig>,
	rpc: RpcClient,
	/// The node's `ehr_*` methods, called through the interface shared with
	/// the node (`ehr_rpc_api::EhrRpcApiClient`).
	ehr: jsonrpsee::ws_client::WsClient,
	url: String,
	/// The node's HTTP body server, asked for once ([`Chain::body_server`]).
	body_server: tokio::sync::OnceCell<Option<BodyServer>>,
}

/// A node's HTTP body server (docs/rpc.md, "Bodies over HTTP"): its
/// address and the HTTP client that talks to it.
pub struct BodyServer {
	/// `GET` reads here; `PUT {url}/0x<hash>` uploads.
	pub url: reqwest::Url,
	/// One client, so its connections are reused from body to body.
	pub client: reqwest::Client,
}

/// Signs transactions with an sr25519 account key.
pub struct AccountSigner(pub sr25519::Pair);

impl Signer<PolkadotConfig> for AccountSigner {
	fn account_id(&self) -> AccountId32 {
		AccountId32(self.0.public().0)
	}
	fn sign(&self, payload: &[u8]) -> MultiSignature {
		MultiSignature::Sr25519(self.0.sign(payload).0)
	}
}

/// Parses an SS58 address.
pub fn parse_account(text: &str) -> Result<AccountId> {
	sp_core::crypto::AccountId32::from_ss58check(text.trim())
		.map(|a| AccountId32(a.into()))
		.map_err(|_| anyhow!("`{text}` is not an SS58 account address; copy it from `ehr keys show`"))
}

/// The SS58 text of an account.
pub fn ss58(account: &AccountId) -> String {
	sp_core::crypto::AccountId32::from(account.0).to_ss58check()
}

/// The dispatch error a transaction failed with, if that is why it failed.
fn dispatch_error(error: &subxt::Error) -> Option<&DispatchError> {
	match error {
		subxt::Error::TransactionEventsError(TransactionEventsError::ExtrinsicFailed(dispatch))
		| subxt::Error::TransactionFinalizedSuccessError(TransactionFinalizedSuccessError::SuccessError(
			TransactionEventsError::ExtrinsicFailed(dispatch),
		)) => Some(dispatch),
		_ => None,
	}
}

/// The text of a subxt error. When the node refused the transaction on
/// submission, this is the node's JSON-RPC error with its data (where the
/// pool says why, e.g. `Custom error: 1`), which subxt's own text leaves out.
fn error_text(error: &subxt::Error) -> String {
	match error {
		subxt::Error::ExtrinsicError(ExtrinsicError::ErrorSubmittingTransaction(BackendError::Rpc(
			RpcError::ClientError(refusal),
		))) => rpc_error(refusal),
		other => other.to_string(),
	}
}

/// One sentence for a refused or failed transaction.
fn explain(error: impl Into<subxt::Error>) -> anyhow::Error {
	let error = error.into();
	let text = error_text(&error);
	for code in [admission_error::UNREGISTERED, admission_error::RATE_LIMITED] {
		// The first is the author RPC's wording, the second transactionWatch's.
		if text.contains(&format!("Custom error: {code}")) || text.contains(&format!("custom error: {code}")) {
			if let Some(sentence) = admission_error::describe(code) {
				return anyhow!("{sentence}");
			}
		}
	}
	if let Some(DispatchError::Module(module)) = dispatch_error(&error) {
		if let Ok(details) = module.details() {
			let docs = details.variant.docs.join(" ");
			return anyhow!(
				"the chain refused the transaction: {}.{}: {}",
				details.pallet.name(),
				details.variant.name,
				docs.trim()
			);
		}
	}
	anyhow!("the transaction failed: {text}")
}

impl Chain {
	/// Connects to the node at `url` (ws:// or wss://) and checks that it
	/// runs the runtime this client was built for.
	pub async fn connect(url: &str) -> Result<Chain> {
		let rpc = RpcClient::from_insecure_url(url)
			.await
			.map_err(|e| anyhow!("cannot connect to {url} ({e}); is the node running and is --url right?"))?;
		// The legacy JSON-RPC methods, as subxt 0.38 used: runtime API calls at
		// any block, and the pool's own words when it refuses a transaction.
		let backend = LegacyBackend::<PolkadotConfig>::builder().build(rpc.clone());
		// ehr-chain has served metadata v14+ since genesis: no legacy (pre-v14)
		// type registry to load.
		let config = PolkadotConfig::builder().use_historic_types(false).build();
		let api = OnlineClient::from_backend_with_config(config, Arc::new(backend))
			.await
			.map_err(|e| anyhow!("{url} does not answer like an ehr-chain node ({e})"))?;
		let connected =
			api.at_current_block().await.map_err(|e| anyhow!("{url} does not answer like an ehr-chain node ({e})"))?;
		if !runtime::is_codegen_valid_for(connected.metadata_ref()) {
			bail!(
				"{url} runs a runtime (spec version {}) this ehr client was not built for; update the client",
				connected.spec_version()
			);
		}
		let ehr = jsonrpsee::ws_client::WsClientBuilder::default()
			.build(url)
			.await
			.map_err(|e| anyhow!("cannot connect to {url} ({e}); is the node running and is --url right?"))?;
		Ok(Chain { api, connected, rpc, ehr, url: url.to_owned(), body_server: tokio::sync::OnceCell::new() })
	}

	/// The node's HTTP body server, on the node's host at the port its
	/// `ehr_status` reports, if it runs: asked for on first use, then kept
	/// for the connection's life.
	pub async fn body_server(&self) -> Option<&BodyServer> {
		self.body_server
			.get_or_init(|| async {
				use ehr_rpc_api::EhrRpcApiClient;
				let port = self.ehr(|rpc| rpc.status()).await.ok()?.http_port?;
				let mut url = reqwest::Url::parse(&self.url).ok()?;
				let scheme = if url.scheme() == "wss" { "https" } else { "http" };
				url.set_scheme(scheme).ok()?;
				url.set_port(Some(port)).ok()?;
				url.set_path(ehr_rpc_api::http::BODY_PATH);
				let client = reqwest::Client::builder()
					.connect_timeout(std::time::Duration::from_secs(10))
					.read_timeout(std::time::Duration::from_secs(60))
					.build()
					.ok()?;
				Some(BodyServer { url, client })
			})
			.await
			.as_ref()
	}

	/// The node's new best blocks, as they are imported (`chain_subscribeNewHeads`):
	/// what a command that waits on the chain wakes up on, instead of polling.
	pub async fn new_heads(&self) -> Result<jsonrpsee::core::client::Subscription<serde_json::Value>> {
		use jsonrpsee::core::client::SubscriptionClientT;
		self.ehr
			.subscribe("chain_subscribeNewHeads", jsonrpsee::rpc_params![], "chain_unsubscribeNewHeads")
			.await
			.map_err(|e| anyhow!("cannot follow new blocks on {} ({e})", self.url))
	}

	/// The node's URL.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The genesis hash.
	pub fn genesis(&self) -> sp_core::H256 {
		sp_core::H256(self.api.genesis_hash().0)
	}

	/// Calls a runtime API at the best block (where proxies and custodians
	/// act), with a typed payload from `runtime::runtime_apis()`.
	pub async fn runtime_api<P: subxt::runtime_apis::Payload>(&self, payload: P) -> Result<P::ReturnType> {
		let failed = || format!("{}_{} failed on {}", payload.trait_name(), payload.method_name(), self.url);
		let best: subxt::config::substrate::H256 =
			self.rpc.request("chain_getBlockHash", RpcParams::new()).await.with_context(failed)?;
		let at = self.api.at_block(best).await.with_context(failed)?;
		at.runtime_apis().call(&payload).await.with_context(failed)
	}

	/// The best block's number.
	pub async fn best_number(&self) -> Result<u32> {
		let header: serde_json::Value =
			self.rpc.request("chain_getHeader", RpcParams::new()).await.context("cannot read the best block")?;
		let number = header["number"].as_str().ok_or_else(|| anyhow!("the node's header has no number"))?;
		u32::from_str_radix(number.trim_start_matches("0x"), 16).context("the node's block number is not hex")
	}

	/// The chain's block time in milliseconds (Aura's slot: twice the
	/// timestamp pallet's minimum period).
	pub fn block_millis(&self) -> i64 {
		let minimum_period = self.connected.constants().entry(runtime::constants().timestamp().minimum_period());
		minimum_period.map_or(6_000, |period| (period as i64).saturating_mul(2))
	}

	/// The time of block `number` of the best chain, from its
	/// `timestamp.set` inherent (read from the block body, which every node
	/// keeps, not from state, which nodes prune); `None` for a block not yet
	/// made.
	pub async fn block_time(&self, number: u32) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
		use codec::Decode;
		// `timestamp.set(now)`'s call bytes: the pallet's index, the call's
		// index, then the compact time, with the indices from the metadata.
		let metadata = self.connected.metadata_ref();
		let set = metadata
			.pallet_by_name("Timestamp")
			.and_then(|pallet| Some((pallet.call_index(), pallet.call_variant_by_name("set")?.index)))
			.ok_or_else(|| anyhow!("{} has no timestamp pallet; is it an ehr-chain node?", self.url))?;
		let mut params = RpcParams::new();
		params.push(number).map_err(|e| anyhow!("cannot encode RPC parameters: {e}"))?;
		let Some(hash): Option<String> = self.rpc("chain_getBlockHash", params).await? else { return Ok(None) };
		let mut params = RpcParams::new();
		params.push(hash).map_err(|e| anyhow!("cannot encode RPC parameters: {e}"))?;
		let block: serde_json::Value = self.rpc("chain_getBlock", params).await?;
		let extrinsics = block["block"]["extrinsics"].as_array().cloned().unwrap_or_default();
		for extrinsic in extrinsics {
			let Some(bytes) =
				extrinsic.as_str().and_then(|hex_text| hex::decode(hex_text.trim_start_matches("0x")).ok())
			else {
				continue;
			};
			let mut input = &bytes[..];
			// The length prefix, then the version byte; inherents are bare
			// (no signature), and their call follows at once.
			let (Ok(_), Some((&version, call))) = (codec::Compact::<u32>::decode(&mut input), input.split_first())
			else {
				continue;
			};
			if version & 0b1100_0000 != 0 {
				continue;
			}
			if let [pallet, call, time @ ..] = call {
				if (*pallet, *call) != set {
					continue;
				}
				let now = codec::Compact::<u64>::decode(&mut &time[..]).map(|now| now.0).unwrap_or(u64::MAX);
				let time = i64::try_from(now)
					.ok()
					.and_then(chrono::DateTime::from_timestamp_millis)
					.ok_or_else(|| anyhow!("block {number} carries an impossible time"))?;
				return Ok(Some(time));
			}
		}
		bail!("block {number} has no timestamp; is {} an ehr-chain node?", self.url)
	}

	/// The next nonce of `signer`, counting its transactions still in the
	/// node's pool (subxt's default reads the finalized block, which lags).
	async fn next_nonce(&self, signer: &sr25519::Pair) -> Result<u64> {
		let account = sp_core::crypto::AccountId32::from(signer.public()).to_ss58check();
		let mut params = RpcParams::new();
		params.push(account).map_err(|e| anyhow!("cannot encode RPC parameters: {e}"))?;
		self.rpc("system_accountNextIndex", params).await
	}

	/// Signs `call` with `signer`, mortal for [`TX_MORTALITY`] from the
	/// finalized block, and submits it, watching its progress.
	async fn sign_and_watch<Call: Payload>(&self, call: &Call, signer: &sr25519::Pair) -> Result<Progress> {
		let nonce = self.next_nonce(signer).await?;
		let params = DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).mortal(TX_MORTALITY).build();
		let mut transactions = self.api.at_current_block().await.map_err(explain)?.transactions();
		let progress = transactions.sign_and_submit_then_watch(call, &AccountSigner(signer.clone()), params).await;
		progress.map_err(explain)
	}

	/// Signs `call` with `signer`, submits it and waits until it is in a
	/// finalized block; returns its events, or one sentence on refusal or failure.
	pub async fn submit<Call: Payload>(
		&self,
		call: &Call,
		signer: &sr25519::Pair,
	) -> Result<ExtrinsicEvents<PolkadotConfig>> {
		self.sign_and_watch(call, signer).await?.wait_for_finalized_success().await.map_err(explain)
	}

	/// Signs and submits every one of `calls` at once (consecutive nonces,
	/// so they can share a block), then waits until each is in a finalized
	/// block; returns their events in order. Fails with the first refusal or
	/// failure; transactions submitted before it may still land, so callers
	/// read the chain again before retrying.
	pub async fn submit_all<Call: Payload>(
		&self,
		calls: &[Call],
		signer: &sr25519::Pair,
	) -> Result<Vec<ExtrinsicEvents<PolkadotConfig>>> {
		let mut submitted = Vec::with_capacity(calls.len());
		for call in calls {
			submitted.push(self.sign_and_watch(call, signer).await?);
		}
		futures::future::try_join_all(
			submitted
				.into_iter()
				.map(|progress| async { progress.wait_for_finalized_success().await.map_err(explain) }),
		)
		.await
	}

	/// [`Self::submit`], returning as soon as the transaction is in a block
	/// of the best chain: for requests, whose proxies act on the best block
	/// and which a re-org would at worst make the grantee repeat.
	pub async fn submit_in_block<Call: Payload>(
		&self,
		call: &Call,
		signer: &sr25519::Pair,
	) -> Result<ExtrinsicEvents<PolkadotConfig>> {
		use subxt::{error::TransactionStatusError, tx::TransactionStatus};
		let mut progress = self.sign_and_watch(call, signer).await?;
		while let Some(status) = progress.next().await {
			let in_block = match status.map_err(explain)? {
				TransactionStatus::InBestBlock(in_block) | TransactionStatus::InFinalizedBlock(in_block) => in_block,
				TransactionStatus::Error { message } => return Err(explain(TransactionStatusError::Error(message))),
				TransactionStatus::Invalid { message } => {
					return Err(explain(TransactionStatusError::Invalid(message)))
				},
				TransactionStatus::Dropped { message } => {
					return Err(explain(TransactionStatusError::Dropped(message)))
				},
				_ => continue,
			};
			return in_block.wait_for_success().await.map_err(explain);
		}
		bail!("the node stopped reporting on the transaction; check with `ehr grants` or the audit log before retrying")
	}

	/// Calls one of the node's JSON-RPC methods.
	pub async fn rpc<R: serde::de::DeserializeOwned>(&self, method: &str, params: RpcParams) -> Result<R> {
		self.rpc.request(method, params).await.map_err(|e| anyhow!("{method} on {}: {}", self.url, rpc_error(&e)))
	}

	/// The node's `ehr_*` methods: `chain.ehr(|rpc| rpc.get_blob(read))`,
	/// with any refusal as one sentence naming the node.
	pub async fn ehr<'a, R, F>(&'a self, call: impl FnOnce(&'a jsonrpsee::ws_client::WsClient) -> F) -> Result<R>
	where
		F: std::future::Future<Output = Result<R, jsonrpsee::core::ClientError>>,
	{
		call(&self.ehr).await.map_err(|e| {
			let reason = match e {
				jsonrpsee::core::ClientError::Call(refusal) => refusal.to_string(),
				other => other.to_string(),
			};
			anyhow!("{} refused: {reason}", self.url)
		})
	}

	/// Member hospitals' names by account, for people to read.
	pub async fn hospital_names(&self) -> Result<Vec<(AccountId, String)>> {
		Ok(self
			.hospitals()
			.await?
			.into_iter()
			.map(|(id, profile)| {
				let name = profile.map(|p| String::from_utf8_lossy(&p.name).into_owned()).unwrap_or_else(|| ss58(&id));
				(id, name)
			})
			.collect())
	}
}

/// The message of an RPC error, without the transport's wrapping. A call the
/// node refused reads as before subxt 0.51: jsonrpsee's error object (code,
/// message and data).
fn rpc_error(error: &subxt::rpcs::Error) -> String {
	match error {
		subxt::rpcs::Error::User(refusal) => {
			jsonrpsee::types::ErrorObjectOwned::owned(refusal.code, refusal.message.clone(), refusal.data.clone())
				.to_string()
		},
		subxt::rpcs::Error::Client(inner) => inner.to_string(),
		other => other.to_string(),
	}
}

/// The generated account id of sp-core's one (same 32 bytes).
pub fn from_sp(account: &sp_core::crypto::AccountId32) -> AccountId {
	AccountId32(account.clone().into())
}

/// sp-core's account id of a generated one (same 32 bytes).
pub fn to_sp(account: &AccountId) -> sp_core::crypto::AccountId32 {
	sp_core::crypto::AccountId32::from(account.0)
}
