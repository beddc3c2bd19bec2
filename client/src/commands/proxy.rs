//! `ehr proxy register`: hospital staff register (or update) a node of
//! their hospital as its Umbral proxy, from what the node reports about
//! itself (`ehr_status`: its proxy account and proxy public key), signing
//! with the hospital's key. No polkadot-js needed.

use crate::{
	chain::{from_sp, runtime, ss58, Chain},
	Context,
};
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use ehr_primitives::{umbral_codec, MAX_PROXY_ACCOUNTS};
use ehr_rpc_api::EhrRpcApiClient;
use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;

/// Proxy commands.
#[derive(Subcommand)]
pub enum ProxyCommand {
	/// Register your hospital's node as its proxy, or update its key
	/// (hospital staff, signing as the hospital). The node's other accounts
	/// already registered stay.
	Register {
		/// The node to register (its RPC URL); default: --url.
		#[arg(long)]
		node: Option<String>,
	},
}

/// Runs a proxy command.
pub async fn run(context: &Context, command: ProxyCommand) -> Result<()> {
	match command {
		ProxyCommand::Register { node } => register(context, node.as_deref()).await,
	}
}

async fn register(context: &Context, node_url: Option<&str>) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let hospital = from_sp(&keys.account_id());
	chain.ensure_member(&hospital).await?;
	let node = match node_url {
		Some(url) if url != context.url => Chain::connect(url).await?,
		_ => context.chain().await?,
	};
	if node.genesis() != chain.genesis() {
		bail!("the node at {} runs another chain than {}", node.url(), chain.url());
	}
	let status = node.ehr(|rpc| rpc.status()).await?;
	let account = status.proxy_account.ok_or_else(|| {
		anyhow!("the node at {} has no proxy account; insert an `ehrp` key into its keystore first", node.url())
	})?;
	let key_hex = status.proxy_public_key.ok_or_else(|| {
		anyhow!("the node at {} has no proxy key; run `ehr-node generate-proxy-key` on it first", node.url())
	})?;
	let public_key = hex::decode(key_hex.trim_start_matches("0x"))
		.ok()
		.filter(|bytes| umbral_codec::decode_public_key(bytes).is_ok())
		.ok_or_else(|| anyhow!("the node at {} reports a proxy key that is not an Umbral public key", node.url()))?;

	// Who else already acts for this hospital, and for whom the node acts now.
	let proxies = chain.proxies().await?;
	if let Some((other, _)) =
		proxies.iter().find(|(owner, proxy)| *owner != hospital && proxy.accounts.contains(&account))
	{
		bail!("the node's proxy account {account} is registered to another hospital ({other})");
	}
	let mut accounts = vec![account.clone()];
	if let Some((_, own)) = proxies.iter().find(|(owner, _)| *owner == hospital) {
		if own.public_key[..] != public_key[..] && own.accounts.iter().any(|a| *a != account) {
			eprintln!(
				"note: your hospital's other proxy nodes must use this node's proxy key file from now on; one hospital has one proxy key"
			);
		}
		accounts.extend(own.accounts.iter().filter(|a| **a != account).cloned());
	}
	if accounts.len() > MAX_PROXY_ACCOUNTS as usize {
		bail!("a hospital may register at most {MAX_PROXY_ACCOUNTS} node accounts; remove one first");
	}
	let accounts: Vec<_> = accounts.iter().map(from_sp).collect();
	let call = runtime::transactions().ehr().register_proxy(BoundedVec(accounts.clone()), BoundedVec(public_key));
	context.output.waiting("registering the proxy", chain.submit(&call, &keys.account)).await?;
	context.output.print(
		&serde_json::json!({
			"hospital": ss58(&hospital),
			"accounts": accounts.iter().map(ss58).collect::<Vec<_>>(),
			"publicKey": key_hex,
		}),
		|| format!("Registered the node's proxy account {account} with key {key_hex} for your hospital."),
	);
	Ok(())
}
