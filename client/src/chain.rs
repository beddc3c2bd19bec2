//! The client's view of ehr-chain: subxt, typed from the runtime's metadata
//! (`metadata/ehr-runtime.scale`, kept in step with the runtime by the
//! `metadata_matches_the_runtime` test), for transactions and events; the
//! runtime APIs (`EhrApi`, `ConsortiumApi`) decoded into `ehr-primitives`'
//! types; and the node's `ehr_*` JSON-RPC methods for bodies.

use anyhow::{anyhow, bail, Context, Result};
use codec::{Decode, Encode};
use ehr_primitives::consortium::{admission_error, HospitalProfile};
use sp_core::{crypto::Ss58Codec, sr25519, Pair};
use subxt::{
	backend::rpc::{RpcClient, RpcParams},
	blocks::ExtrinsicEvents,
	tx::{Payload, Signer},
	utils::{AccountId32, MultiAddress, MultiSignature},
	OnlineClient, PolkadotConfig,
};

/// The runtime's calls, events and types, generated from its metadata.
#[subxt::subxt(runtime_metadata_path = "metadata/ehr-runtime.scale")]
pub mod runtime {}

/// The runtime's account id type as generated (same bytes as `sp_runtime`'s).
pub type AccountId = AccountId32;

/// A connection to one ehr-chain node.
pub struct Chain {
	/// The subxt client.
	pub api: OnlineClient<PolkadotConfig>,
	rpc: RpcClient,
	url: String,
}

/// Signs transactions with an sr25519 account key.
pub struct AccountSigner(pub sr25519::Pair);

impl Signer<PolkadotConfig> for AccountSigner {
	fn account_id(&self) -> AccountId32 {
		AccountId32(self.0.public().0)
	}
	fn address(&self) -> MultiAddress<AccountId32, ()> {
		MultiAddress::Id(self.account_id())
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

/// One sentence for a refused or failed transaction.
fn explain(error: subxt::Error) -> anyhow::Error {
	let text = error.to_string();
	for code in [admission_error::UNREGISTERED, admission_error::RATE_LIMITED] {
		if text.contains(&format!("Custom error: {code}")) {
			if let Some(sentence) = admission_error::describe(code) {
				return anyhow!("{sentence}");
			}
		}
	}
	if let subxt::Error::Runtime(subxt::error::DispatchError::Module(module)) = &error {
		if let Ok(details) = module.details() {
			let docs = details.variant.docs.join(" ");
			return anyhow!("the chain refused the transaction: {}.{}: {}", details.pallet.name(), details.variant.name, docs.trim());
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
		let api = OnlineClient::<PolkadotConfig>::from_rpc_client(rpc.clone())
			.await
			.map_err(|e| anyhow!("{url} does not answer like an ehr-chain node ({e})"))?;
		if !runtime::is_codegen_valid_for(&api.metadata()) {
			bail!("{url} runs a runtime (spec version {}) this ehr client was not built for; update the client", api.runtime_version().spec_version);
		}
		Ok(Chain { api, rpc, url: url.to_owned() })
	}

	/// The node's URL.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// The genesis hash.
	pub fn genesis(&self) -> sp_core::H256 {
		sp_core::H256(self.api.genesis_hash().0)
	}

	/// Calls runtime API function `name` (`EhrApi_record`, …) at the best
	/// block with SCALE-encoded `args`.
	pub async fn call<R: Decode>(&self, name: &str, args: impl Encode) -> Result<R> {
		let best = self.best_hash().await?;
		let bytes = args.encode();
		self.api
			.runtime_api()
			.at(best)
			.call_raw::<R>(name, Some(&bytes))
			.await
			.with_context(|| format!("{name} failed on {}", self.url))
	}

	async fn best_hash(&self) -> Result<subxt::utils::H256> {
		let hash: Option<subxt::utils::H256> =
			self.rpc.request("chain_getBlockHash", RpcParams::new()).await.context("cannot read the best block")?;
		hash.ok_or_else(|| anyhow!("the node has no best block"))
	}

	/// The best block's number.
	pub async fn best_number(&self) -> Result<u32> {
		let header: serde_json::Value =
			self.rpc.request("chain_getHeader", RpcParams::new()).await.context("cannot read the best block")?;
		let number = header["number"].as_str().ok_or_else(|| anyhow!("the node's header has no number"))?;
		u32::from_str_radix(number.trim_start_matches("0x"), 16).context("the node's block number is not hex")
	}

	/// The next nonce of `signer`, counting its transactions still in the
	/// node's pool (subxt's default reads the finalized block, which lags).
	async fn next_nonce(&self, signer: &sr25519::Pair) -> Result<u64> {
		let account = sp_core::crypto::AccountId32::from(signer.public()).to_ss58check();
		let mut params = RpcParams::new();
		params.push(account).map_err(|e| anyhow!("cannot encode RPC parameters: {e}"))?;
		self.rpc("system_accountNextIndex", params).await
	}

	/// Signs `call` with `signer` and submits it, watching its progress.
	async fn sign_and_watch<Call: Payload>(
		&self,
		call: &Call,
		signer: &sr25519::Pair,
	) -> Result<subxt::tx::TxProgress<PolkadotConfig, OnlineClient<PolkadotConfig>>> {
		let nonce = self.next_nonce(signer).await?;
		let params = subxt::config::DefaultExtrinsicParamsBuilder::<PolkadotConfig>::new().nonce(nonce).build();
		self.api.tx().sign_and_submit_then_watch(call, &AccountSigner(signer.clone()), params).await.map_err(explain)
	}

	/// Signs `call` with `signer`, submits it and waits until it is in a
	/// finalized block; returns its events, or one sentence on refusal or failure.
	pub async fn submit<Call: Payload>(&self, call: &Call, signer: &sr25519::Pair) -> Result<ExtrinsicEvents<PolkadotConfig>> {
		self.sign_and_watch(call, signer).await?.wait_for_finalized_success().await.map_err(explain)
	}

	/// [`Self::submit`], returning as soon as the transaction is in a block
	/// of the best chain: for requests, whose proxies act on the best block
	/// and which a re-org would at worst make the grantee repeat.
	pub async fn submit_in_block<Call: Payload>(
		&self,
		call: &Call,
		signer: &sr25519::Pair,
	) -> Result<ExtrinsicEvents<PolkadotConfig>> {
		use subxt::{error::TransactionError, tx::TxStatus};
		let mut progress = self.sign_and_watch(call, signer).await?;
		while let Some(status) = progress.next().await {
			let in_block = match status.map_err(explain)? {
				TxStatus::InBestBlock(in_block) | TxStatus::InFinalizedBlock(in_block) => in_block,
				TxStatus::Error { message } => return Err(explain(TransactionError::Error(message).into())),
				TxStatus::Invalid { message } => return Err(explain(TransactionError::Invalid(message).into())),
				TxStatus::Dropped { message } => return Err(explain(TransactionError::Dropped(message).into())),
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

	/// Member hospitals' names by account, for people to read.
	pub async fn hospital_names(&self) -> Result<Vec<(AccountId, String)>> {
		let hospitals: Vec<(sp_core::crypto::AccountId32, Option<HospitalProfile>)> =
			self.call("ConsortiumApi_hospitals", ()).await?;
		Ok(hospitals
			.into_iter()
			.map(|(account, profile)| {
				let id = AccountId32(account.into());
				let name = profile.map(|p| String::from_utf8_lossy(&p.name).into_owned()).unwrap_or_else(|| ss58(&id));
				(id, name)
			})
			.collect())
	}
}

/// The message of an RPC error, without the transport's wrapping.
fn rpc_error(error: &subxt::Error) -> String {
	match error {
		subxt::Error::Rpc(subxt::error::RpcError::ClientError(inner)) => inner.to_string(),
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
