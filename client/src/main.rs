//! `ehr`: the command line of ehr-chain for patients, clinicians and
//! hospital staff. It holds the person's keys (one passphrase-encrypted key
//! file), does the cryptography (AEAD bodies, Umbral envelopes, kfrags,
//! decryption of re-encrypted capsules) and talks to a hospital node.
//!
//! Every command prints for people by default and one JSON document with
//! `--json`; every error is one sentence on stderr and a non-zero exit.

mod access;
mod audit;
mod blobs;
mod chain;
mod envelope;
mod grants;
mod keyfile;
mod keys;
mod output;
mod people;
mod records;

use anyhow::Result;
use clap::{Parser, Subcommand};
use output::Output;
use std::path::PathBuf;

/// ehr-chain's client: keys, records, grants, access requests and the audit log.
#[derive(Parser)]
#[command(name = "ehr", version, about, propagate_version = true)]
struct Cli {
	/// The hospital node to talk to (WebSocket JSON-RPC).
	#[arg(long, global = true, env = "EHR_URL", default_value = "ws://127.0.0.1:9944")]
	url: String,
	/// The key file (made by `ehr keys new`); the passphrase comes from a
	/// prompt or from EHR_PASSPHRASE.
	#[arg(long, global = true, env = "EHR_KEY_FILE")]
	key: Option<PathBuf>,
	/// Print one JSON document instead of text, and no progress bars.
	#[arg(long, global = true)]
	json: bool,
	#[command(subcommand)]
	command: Command,
}

#[derive(Subcommand)]
enum Command {
	/// Make, show and export your keys.
	#[command(subcommand)]
	Keys(keys::KeysCommand),
	/// Register a patient or a provider (hospital staff, signing as the hospital).
	#[command(subcommand)]
	Register(people::RegisterCommand),
	/// Add, list and retire records.
	#[command(subcommand)]
	Record(records::RecordCommand),
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

async fn run(cli: Cli) -> Result<()> {
	let context =
		Context { url: cli.url, key: cli.key.unwrap_or_else(keyfile::default_path), output: Output { json: cli.json } };
	match cli.command {
		Command::Keys(command) => keys::run(&context, command).await,
		Command::Register(command) => people::run(&context, command).await,
		Command::Record(command) => records::run(&context, command).await,
		Command::Grant(args) => grants::grant(&context, args).await,
		Command::Grants(args) => grants::list(&context, args).await,
		Command::Revoke(args) => grants::revoke(&context, args).await,
		Command::Request(args) => access::request(&context, args).await,
		Command::Fetch(args) => access::fetch(&context, args).await,
		Command::Log(args) => audit::log(&context, args).await,
	}
}

#[tokio::main]
async fn main() {
	let cli = Cli::parse();
	let json = cli.json;
	if let Err(error) = run(cli).await {
		let message = error.to_string();
		if json {
			println!("{}", serde_json::json!({ "error": message }));
		}
		eprintln!("error: {message}");
		std::process::exit(1);
	}
}
