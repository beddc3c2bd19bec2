//! The ehr-chain client as a library: what the `ehr` binary does, reusable
//! by hospital tools, importers and tests. It holds the person's keys (one
//! passphrase-encrypted key file), does the cryptography (AEAD bodies, Umbral
//! envelopes, kfrags, decryption of re-encrypted capsules) and talks to a
//! hospital node.
//!
//! - [`chain`]: the connection to a node: subxt typed from the runtime's
//!   metadata for transactions, events and runtime-API calls, and the node's
//!   `ehr_*` methods through the interface shared with the node
//!   (`ehr_rpc_api`).
//! - [`state`]: the EHR state through typed runtime-API calls.
//! - [`blobs`]: record bodies on the custodian's node.
//! - [`fhir`]: the hospital's FHIR R4 server, which `ehr import` reads.
//! - [`crypto`]: key file, envelopes and (from `ehr_primitives`) kfrags.
//! - [`commands`]: one module per command group.
//! - [`output`]: text for people or one JSON document.
//!
//! Every command prints for people by default and one JSON document with
//! `--json`; every error is one sentence.

pub mod blobs;
pub mod chain;
pub mod commands;
pub mod crypto;
pub mod fhir;
pub mod output;
pub mod state;

use crate::{commands::*, crypto::keyfile, output::Output};
use anyhow::Result;
use clap::{Parser, Subcommand};
use std::path::PathBuf;

/// ehr-chain's client: keys, records, grants, access requests and the audit log.
#[derive(Parser)]
#[command(name = "ehr", version, about, propagate_version = true)]
pub struct Cli {
	/// The hospital node to talk to (WebSocket JSON-RPC).
	#[arg(long, global = true, env = "EHR_URL", default_value = "ws://127.0.0.1:9944")]
	pub url: String,
	/// The key file (made by `ehr keys new`); the passphrase comes from a
	/// prompt or from EHR_PASSPHRASE.
	#[arg(long, global = true, env = "EHR_KEY_FILE")]
	pub key: Option<PathBuf>,
	/// Print one JSON document instead of text, and no progress bars.
	#[arg(long, global = true)]
	pub json: bool,
	/// What to do.
	#[command(subcommand)]
	pub command: Command,
}

/// The commands of `ehr`, each run by its module in [`commands`].
#[derive(Subcommand)]
pub enum Command {
	/// Make, show and export your keys.
	#[command(subcommand)]
	Keys(keys::KeysCommand),
	/// The member hospitals; publish your hospital's node endpoints (staff).
	#[command(subcommand)]
	Hospital(hospitals::HospitalCommand),
	/// Register your hospital's node as its proxy (hospital staff).
	#[command(subcommand)]
	Proxy(proxy::ProxyCommand),
	/// Register a patient or a provider (hospital staff, signing as the hospital).
	#[command(subcommand)]
	Register(people::RegisterCommand),
	/// Add, list and retire records.
	#[command(subcommand)]
	Record(records::RecordCommand),
	/// Register a patient's resources from the hospital's FHIR R4 server as
	/// records, each resource version once (hospital staff).
	Import(import::ImportArgs),
	/// Grant someone access to your records (patients).
	Grant(grants::GrantArgs),
	/// List the grants you gave (or, with --received, the grants you hold).
	Grants(grants::GrantsArgs),
	/// Revoke a grant you gave.
	Revoke(grants::RevokeArgs),
	/// Ask for access to a record under a grant you hold (clinicians).
	Request(access::RequestArgs),
	/// Fetch and decrypt the body of a record you were given access to.
	Fetch(access::FetchArgs),
	/// Your audit log: every access to your records (patients).
	Log(audit::LogArgs),
}

/// The error of a command that did part of its work and printed a result
/// listing what failed (`ehr import` with resources it skipped): `ehr`
/// prints this sentence on stderr, no JSON error document, and exits with
/// status 2.
#[derive(Debug)]
pub struct PartlyDone(pub String);

impl std::fmt::Display for PartlyDone {
	fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
		f.write_str(&self.0)
	}
}

impl std::error::Error for PartlyDone {}

/// What every command gets: where to connect, the key file and the output mode.
pub struct Context {
	/// The node URL.
	pub url: String,
	/// The key file path.
	pub key: PathBuf,
	/// Output mode.
	pub output: Output,
}

impl Context {
	/// Unlocks the key file (prompting for the passphrase unless EHR_PASSPHRASE is set).
	pub fn unlock(&self) -> Result<keyfile::Keys> {
		let passphrase = keyfile::passphrase(&format!("Passphrase for {}: ", self.key.display()), false)?;
		keyfile::unlock(&self.key, &passphrase)
	}

	/// Connects to the node.
	pub async fn chain(&self) -> Result<chain::Chain> {
		chain::Chain::connect(&self.url).await
	}
}

/// Runs one command line; an error is one sentence for the person.
pub async fn run(cli: Cli) -> Result<()> {
	let context =
		Context { url: cli.url, key: cli.key.unwrap_or_else(keyfile::default_path), output: Output { json: cli.json } };
	match cli.command {
		Command::Keys(command) => keys::run(&context, command).await,
		Command::Hospital(command) => hospitals::run(&context, command).await,
		Command::Proxy(command) => proxy::run(&context, command).await,
		Command::Register(command) => people::run(&context, command).await,
		Command::Record(command) => records::run(&context, command).await,
		Command::Import(args) => import::import(&context, args).await,
		Command::Grant(args) => grants::grant(&context, args).await,
		Command::Grants(args) => grants::list(&context, args).await,
		Command::Revoke(args) => grants::revoke(&context, args).await,
		Command::Request(args) => access::request(&context, args).await,
		Command::Fetch(args) => access::fetch(&context, args).await,
		Command::Log(args) => audit::log(&context, args).await,
	}
}
