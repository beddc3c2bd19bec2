//! `ehr register patient | provider`: a hospital onboards a person from the
//! public keys the person exported (`ehr keys export-public`).

use crate::{
	chain::{from_sp, parse_account, runtime},
	keyfile::PublicKeys,
	Context,
};
use anyhow::{anyhow, Context as _, Result};
use clap::Subcommand;
use ehr_primitives::umbral_codec;
use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
use std::path::PathBuf;

/// Registration commands; the key file must be a member hospital's.
#[derive(Subcommand)]
pub enum RegisterCommand {
	/// Register a patient.
	Patient {
		/// The patient's public keys (the JSON of `ehr keys export-public`).
		public: PathBuf,
	},
	/// Register a provider (clinician).
	Provider {
		/// The provider's public keys (the JSON of `ehr keys export-public`).
		public: PathBuf,
		/// The hospital the provider works for (SS58); default: the registering hospital.
		#[arg(long)]
		affiliation: Option<String>,
	},
}

/// Reads and checks an exported public-key file.
fn read_public(path: &PathBuf) -> Result<(PublicKeys, Vec<u8>, Vec<u8>)> {
	let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
	let public: PublicKeys = serde_json::from_str(&text)
		.map_err(|e| anyhow!("{} is not the output of `ehr keys export-public` ({e})", path.display()))?;
	parse_account(&public.account)?;
	let key = |hex_text: &str, what: &str| -> Result<Vec<u8>> {
		let bytes = hex::decode(hex_text).map_err(|_| anyhow!("the {what} in {} is not hex", path.display()))?;
		umbral_codec::decode_public_key(&bytes)
			.map_err(|_| anyhow!("the {what} in {} is not an Umbral public key", path.display()))?;
		Ok(bytes)
	};
	let public_key = key(&public.public_key, "public key")?;
	let verifying_key = key(&public.verifying_key, "verifying key")?;
	Ok((public, public_key, verifying_key))
}

/// Runs a registration.
pub async fn run(context: &Context, command: RegisterCommand) -> Result<()> {
	let hospital = context.unlock()?;
	let chain = context.chain().await?;
	let (kind, person) = match command {
		RegisterCommand::Patient { public } => {
			let (person, public_key, verifying_key) = read_public(&public)?;
			let call = runtime::transactions().ehr().register_patient(
				parse_account(&person.account)?,
				BoundedVec(public_key),
				BoundedVec(verifying_key),
			);
			context.output.waiting("registering the patient", chain.submit(&call, &hospital.account)).await?;
			("patient", person)
		},
		RegisterCommand::Provider { public, affiliation } => {
			let (person, public_key, _) = read_public(&public)?;
			let affiliation = match affiliation {
				Some(text) => parse_account(&text)?,
				None => from_sp(&hospital.account_id()),
			};
			let call = runtime::transactions().ehr().register_provider(
				parse_account(&person.account)?,
				BoundedVec(public_key),
				Some(affiliation),
			);
			context.output.waiting("registering the provider", chain.submit(&call, &hospital.account)).await?;
			("provider", person)
		},
	};
	context.output.print(&serde_json::json!({ "registered": kind, "account": person.account }), || {
		format!("Registered {} as a {kind}.", person.account)
	});
	Ok(())
}
