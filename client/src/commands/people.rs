//! `ehr register patient | provider`: a hospital onboards a person from the
//! public keys and ownership proofs the person exported (`ehr keys
//! export-public`); the runtime refuses keys the person did not sign for.

use crate::{
	chain::{from_sp, parse_account, runtime},
	commands::keys::ExportedKeys,
	Context,
};
use anyhow::{anyhow, Context as _, Result};
use clap::Subcommand;
use ehr_primitives::umbral_codec;
use runtime::runtime_types::{bounded_collections::bounded_vec::BoundedVec, sp_runtime::MultiSignature};
use std::path::{Path, PathBuf};

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
		/// Register the provider without an affiliation (default: affiliated
		/// with the registering hospital, the only hospital it may name).
		#[arg(long)]
		unaffiliated: bool,
	},
}

/// An exported key file, checked: the account, the canonical Umbral keys,
/// and the proofs as signatures.
struct Exported {
	account: String,
	public_key: Vec<u8>,
	verifying_key: Vec<u8>,
	genesis_hash: String,
	patient_proof: [u8; 64],
	provider_proof: [u8; 64],
}

/// Reads and checks a file written by `ehr keys export-public`.
fn read_exported(path: &PathBuf) -> Result<Exported> {
	let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
	let exported: ExportedKeys = serde_json::from_str(&text).map_err(|e| {
		anyhow!(
			"{} is not the output of `ehr keys export-public` with ownership proofs ({e}); have the person export it again",
			path.display()
		)
	})?;
	parse_account(&exported.public.account)?;
	let key = |hex_text: &str, what: &str| -> Result<Vec<u8>> {
		let bytes = hex::decode(hex_text).map_err(|_| anyhow!("the {what} in {} is not hex", path.display()))?;
		umbral_codec::decode_public_key(&bytes)
			.map_err(|_| anyhow!("the {what} in {} is not an Umbral public key", path.display()))?;
		Ok(bytes)
	};
	let proof = |hex_text: &str, what: &str| -> Result<[u8; 64]> {
		hex::decode(hex_text).ok().and_then(|b| b.try_into().ok()).ok_or_else(|| {
			anyhow!(
				"the {what} in {} is not a 64-byte signature in hex; have the person export it again",
				path.display()
			)
		})
	};
	Ok(Exported {
		account: exported.public.account.clone(),
		public_key: key(&exported.public.public_key, "public key")?,
		verifying_key: key(&exported.public.verifying_key, "verifying key")?,
		genesis_hash: exported.genesis_hash.clone(),
		patient_proof: proof(&exported.patient_proof, "patient proof")?,
		provider_proof: proof(&exported.provider_proof, "provider proof")?,
	})
}

/// Checks that the proofs were made for the chain the client is connected to.
fn ensure_same_chain(person: &Exported, chain: &crate::chain::Chain, path: &Path) -> Result<()> {
	if person.genesis_hash != hex::encode(chain.genesis().0) {
		anyhow::bail!(
			"the proofs in {} were made for another chain (genesis 0x{}); have the person export them against this node",
			path.display(),
			person.genesis_hash
		);
	}
	Ok(())
}

/// Runs a registration.
pub async fn run(context: &Context, command: RegisterCommand) -> Result<()> {
	let hospital = context.unlock()?;
	let chain = context.chain().await?;
	let (kind, person) = match command {
		RegisterCommand::Patient { public } => {
			let person = read_exported(&public)?;
			ensure_same_chain(&person, &chain, &public)?;
			let call = runtime::transactions().ehr().register_patient(
				parse_account(&person.account)?,
				BoundedVec(person.public_key.clone()),
				BoundedVec(person.verifying_key.clone()),
				MultiSignature::Sr25519(person.patient_proof),
			);
			context.output.waiting("registering the patient", chain.submit(&call, &hospital.account)).await?;
			("patient", person)
		},
		RegisterCommand::Provider { public, unaffiliated } => {
			let person = read_exported(&public)?;
			ensure_same_chain(&person, &chain, &public)?;
			let affiliation = (!unaffiliated).then(|| from_sp(&hospital.account_id()));
			let call = runtime::transactions().ehr().register_provider(
				parse_account(&person.account)?,
				BoundedVec(person.public_key.clone()),
				affiliation,
				MultiSignature::Sr25519(person.provider_proof),
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
