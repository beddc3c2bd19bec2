//! `ehr proxy register`: hospital staff register (or update) a node of
//! their hospital as its Umbral proxy, from what the node reports about
//! itself (`ehr_status`: its proxy account and proxy public key) and the
//! node account's signed consent to act for the hospital
//! (`ehr_proxyAccountConsent`, which the node serves only to its operator),
//! signing with the hospital's key. No polkadot-js needed.

use crate::{
	chain::{from_sp, runtime, ss58, to_sp, Chain},
	Context,
};
use anyhow::{anyhow, bail, Result};
use clap::Subcommand;
use ehr_primitives::{umbral_codec, MAX_PROXY_ACCOUNTS};
use ehr_rpc_api::EhrRpcApiClient;
use runtime::runtime_types::{
	bounded_collections::bounded_vec::BoundedVec, ehr_primitives::types::ProxyNodeAccount, sp_runtime::MultiSignature,
};

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
	// The node account's consent to act for this hospital, unless the
	// hospital lists it already (or it is the hospital's own account).
	let listed = proxies.iter().any(|(owner, proxy)| *owner == hospital && proxy.accounts.contains(&account));
	let mut consent = if listed || from_sp(&account) == hospital {
		None
	} else {
		let answer = node.ehr(|rpc| rpc.proxy_account_consent(to_sp(&hospital))).await.map_err(|error| {
			anyhow!(
				"{error}\nthe node signs its consent only for its operator: run this on the node's host against its \
				 local RPC (for example --node ws://127.0.0.1:9944), or through an SSH tunnel to it"
			)
		})?;
		if answer.account != account {
			bail!("the node at {} answered for another account than the one it reports", node.url());
		}
		let signature: [u8; 64] = answer.signature.0.as_slice().try_into().map_err(|_| {
			anyhow!("the node at {} sent a consent that is not a 64-byte sr25519 signature", node.url())
		})?;
		Some(MultiSignature::Sr25519(signature))
	};
	let nodes: Vec<_> = accounts
		.iter()
		.map(|a| ProxyNodeAccount { account: from_sp(a), consent: if *a == account { consent.take() } else { None } })
		.collect();
	let accounts: Vec<_> = accounts.iter().map(from_sp).collect();
	let call = runtime::transactions().ehr().register_proxy(BoundedVec(nodes), BoundedVec(public_key));
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
