//! `ehr hospital list | endpoints`: the member hospitals as the chain lists
//! them, and a hospital publishing the public JSON-RPC endpoints of its
//! nodes, where clients read the bodies of the records it holds.

use crate::{
	chain::{from_sp, runtime, ss58, AccountId},
	Context,
};
use anyhow::{bail, Result};
use clap::Subcommand;
use ehr_primitives::consortium::{is_endpoint_url, MAX_ENDPOINTS, MAX_ENDPOINT_LEN};
use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
use serde::Serialize;

/// Hospital commands.
#[derive(Subcommand)]
pub enum HospitalCommand {
	/// List the member hospitals with their names and public endpoints (anyone).
	List,
	/// Publish your hospital's public node endpoints, replacing the ones
	/// published before (hospital staff, signing as the hospital). Clients
	/// try them in this order when they read a body your hospital holds.
	Endpoints {
		/// `ws://` or `wss://` URLs of your nodes' public JSON-RPC (at most 4).
		#[arg(required_unless_present = "none")]
		urls: Vec<String>,
		/// Withdraw every endpoint instead.
		#[arg(long, conflicts_with = "urls")]
		none: bool,
	},
}

/// A member hospital as `ehr hospital list` prints it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HospitalView {
	account: String,
	name: Option<String>,
	endpoints: Vec<String>,
}

/// Runs a hospital command.
pub async fn run(context: &Context, command: HospitalCommand) -> Result<()> {
	match command {
		HospitalCommand::List => list(context).await,
		HospitalCommand::Endpoints { urls, none: _ } => set_endpoints(context, urls).await,
	}
}

async fn list(context: &Context) -> Result<()> {
	let chain = context.chain().await?;
	let mut views = Vec::new();
	for (account, profile) in chain.hospitals().await? {
		let endpoints = chain.endpoints(&account).await?;
		views.push(HospitalView {
			account: ss58(&account),
			name: profile.map(|p| String::from_utf8_lossy(&p.name).into_owned()),
			endpoints,
		});
	}
	context.output.print(&views, || {
		let mut text = String::new();
		for view in &views {
			let endpoints = if view.endpoints.is_empty() { "(no endpoint)".into() } else { view.endpoints.join(" ") };
			text.push_str(&format!(
				"{:<24}  {}  {}\n",
				view.name.as_deref().unwrap_or("(no profile)"),
				view.account,
				endpoints
			));
		}
		text.trim_end().to_owned()
	});
	Ok(())
}

/// Checks endpoint URLs as the runtime will, so a mistake is one sentence
/// before anything is signed.
pub fn check_endpoints(urls: &[String]) -> Result<()> {
	if urls.len() > MAX_ENDPOINTS as usize {
		bail!("a hospital may publish at most {MAX_ENDPOINTS} endpoints");
	}
	for (index, url) in urls.iter().enumerate() {
		if url.len() > MAX_ENDPOINT_LEN as usize {
			bail!("the endpoint {url} is longer than {MAX_ENDPOINT_LEN} bytes");
		}
		if !is_endpoint_url(url.as_bytes()) {
			bail!("{url} is not a ws:// or wss:// URL of a host, optional port and path (no user, query or fragment)");
		}
		if urls[..index].contains(url) {
			bail!("the endpoint {url} is listed twice");
		}
	}
	Ok(())
}

async fn set_endpoints(context: &Context, urls: Vec<String>) -> Result<()> {
	check_endpoints(&urls)?;
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let hospital: AccountId = from_sp(&keys.account_id());
	chain.ensure_member(&hospital).await?;
	let call = runtime::transactions()
		.consortium()
		.set_endpoints(BoundedVec(urls.iter().map(|url| BoundedVec(url.as_bytes().to_vec())).collect()));
	context.output.waiting("publishing the endpoints", chain.submit(&call, &keys.account)).await?;
	context.output.print(&serde_json::json!({ "hospital": ss58(&hospital), "endpoints": urls }), || {
		if urls.is_empty() {
			"Withdrew your hospital's endpoints.".into()
		} else {
			format!("Published {} endpoint(s): {}.", urls.len(), urls.join(", "))
		}
	});
	Ok(())
}
