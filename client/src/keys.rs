//! `ehr keys new | show | export-public`.

use crate::{keyfile, Context};
use anyhow::{Context as _, Result};
use clap::Subcommand;
use std::path::PathBuf;

/// Key file commands.
#[derive(Subcommand)]
pub enum KeysCommand {
	/// Make a new account key and Umbral keys in a new key file (never overwrites one).
	New {
		/// Use this existing account (a mnemonic, hex seed or secret URI)
		/// instead of a new one, e.g. a hospital's controller account.
		#[arg(long, env = "EHR_ACCOUNT_URI", hide_env_values = true)]
		account_uri: Option<String>,
	},
	/// Show the key file's account and public keys (no passphrase needed).
	Show,
	/// Write the public keys as JSON, for the hospital that registers you.
	ExportPublic {
		/// Where to write them (default: standard output).
		#[arg(short, long)]
		output: Option<PathBuf>,
	},
}

/// Runs a key file command.
pub fn run(context: &Context, command: KeysCommand) -> Result<()> {
	match command {
		KeysCommand::New { account_uri } => {
			let passphrase = keyfile::passphrase("New passphrase for the key file: ", true)?;
			let keys = keyfile::Keys::generate(account_uri.as_deref())?;
			keyfile::write(&context.key, &keys, &passphrase)?;
			let public = keys.public();
			context.output.print(&serde_json::json!({ "keyFile": context.key, "public": public }), || {
				format!(
					"Created {}.\naccount:       {}\npublic key:    {}\nverifying key: {}\nKeep the passphrase: without it the key file cannot be opened.",
					context.key.display(),
					public.account,
					public.public_key,
					public.verifying_key
				)
			});
			Ok(())
		},
		KeysCommand::Show => {
			let public = keyfile::read_public(&context.key)?;
			context.output.print(&public, || {
				format!(
					"key file:      {}\naccount:       {}\npublic key:    {}\nverifying key: {}",
					context.key.display(),
					public.account,
					public.public_key,
					public.verifying_key
				)
			});
			Ok(())
		},
		KeysCommand::ExportPublic { output } => {
			let public = keyfile::read_public(&context.key)?;
			let text = serde_json::to_string_pretty(&public)?;
			match output {
				Some(path) => {
					std::fs::write(&path, format!("{text}\n"))
						.with_context(|| format!("cannot write {}", path.display()))?;
					context.output.print(&serde_json::json!({ "written": path }), || {
						format!("Wrote the public keys of {} to {}.", public.account, path.display())
					});
				},
				None => println!("{text}"),
			}
			Ok(())
		},
	}
}
