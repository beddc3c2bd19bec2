//! `ehr keys new | show | export-public | rotate`.

use crate::{
	chain::{from_sp, runtime, ss58},
	crypto::keyfile,
	Context,
};
use anyhow::{anyhow, Context as _, Result};
use clap::Subcommand;
use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
use serde::Serialize;
use std::path::PathBuf;

/// What `export-public` writes: the public keys and the person's proofs,
/// signed with their account, that these keys are theirs on this chain (one
/// for registering as a patient, one as a provider).
#[derive(Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportedKeys {
	/// The account and Umbral public keys.
	#[serde(flatten)]
	pub public: keyfile::PublicKeys,
	/// The genesis hash of the chain the proofs are for (hex).
	pub genesis_hash: String,
	/// The sr25519 signature over the patient registration statement (hex).
	pub patient_proof: String,
	/// The sr25519 signature over the provider registration statement (hex).
	pub provider_proof: String,
}

/// Key file commands.
#[derive(Subcommand)]
pub enum KeysCommand {
	/// Make a new account key and Umbral keys in a new key file (never
	/// overwrites one). A new account comes from a 12-word mnemonic, shown
	/// once: with it the same account can be restored in the polkadot-js
	/// extension or in `ehr keys new --account-uri`.
	New {
		/// Use this existing account (a mnemonic, hex seed or secret URI)
		/// instead of a new one, e.g. a hospital's controller account.
		#[arg(long, env = "EHR_ACCOUNT_URI", hide_env_values = true)]
		account_uri: Option<String>,
	},
	/// Write your account as a polkadot-js JSON account file, protected by
	/// the key file's passphrase: the polkadot-js extension ("Restore account
	/// from backup JSON file") and apps then sign as the same account.
	ExportAccount {
		/// Where to write it (must not exist yet).
		#[arg(short, long)]
		output: PathBuf,
		/// The account's name in the extension.
		#[arg(long, default_value = "ehr-chain")]
		name: String,
	},
	/// Show the key file's account and public keys (no passphrase needed).
	Show {
		/// Print only the account (SS58), for scripts: `PATIENT=$(ehr keys show --account)`.
		#[arg(long)]
		account: bool,
	},
	/// Write the public keys as JSON for the hospital that registers you,
	/// with your signed proof that they are yours on this chain (needs the
	/// passphrase and the node).
	ExportPublic {
		/// Where to write them (default: standard output).
		#[arg(short, long)]
		output: Option<PathBuf>,
	},
	/// Replace your Umbral keys on chain and in the key file (registered
	/// patients and providers). Grants made before stop working; the command
	/// lists the ones to make again. The old keys stay in the key file, and a
	/// patient's records are re-keyed to the new key.
	Rotate,
	/// Re-key your records whose envelopes are still sealed to an earlier
	/// key (patients; `rotate` does it, this finishes an interrupted one).
	Rekey,
}

/// Runs a key file command.
pub async fn run(context: &Context, command: KeysCommand) -> Result<()> {
	match command {
		KeysCommand::New { account_uri } => {
			let passphrase = keyfile::passphrase("New passphrase for the key file: ", true)?;
			let (keys, mnemonic) = match account_uri.as_deref() {
				Some(uri) => (keyfile::Keys::generate(Some(uri))?, None),
				None => keyfile::Keys::generate_with_mnemonic().map(|(keys, words)| (keys, Some(words)))?,
			};
			keyfile::write(&context.key, &keys, &passphrase)?;
			let public = keys.public();
			let mut result = serde_json::json!({ "keyFile": context.key, "public": public });
			if let Some(words) = &mnemonic {
				result["mnemonic"] = serde_json::json!(words);
			}
			context.output.print(&result, || {
				let mut text = format!(
					"Created {}.\naccount:       {}\npublic key:    {}\nverifying key: {}\nKeep the passphrase: without it the key file cannot be opened.",
					context.key.display(),
					public.account,
					public.public_key,
					public.verifying_key
				);
				if let Some(words) = &mnemonic {
					text.push_str(&format!(
						"\nThe account's mnemonic, shown only now; write it down and keep it offline:\n\n    {words}\n\nWith it the account can be restored in the polkadot-js extension or with `ehr keys new --account-uri`."
					));
				}
				text
			});
			Ok(())
		},
		KeysCommand::ExportAccount { output, name } => {
			let passphrase = keyfile::passphrase(&format!("Passphrase for {}: ", context.key.display()), false)?;
			let keys = keyfile::unlock(&context.key, &passphrase)?;
			let created = std::time::SystemTime::now()
				.duration_since(std::time::UNIX_EPOCH)
				.map(|d| d.as_millis() as u64)
				.unwrap_or_default();
			let file = crate::crypto::polkadot_js::account_json(&keys.account, &passphrase, &name, created)?;
			crate::commands::access::write_new_file(&output, format!("{file:#}\n").as_bytes())?;
			let account = keys.public().account;
			context.output.print(&serde_json::json!({ "written": output, "account": account }), || {
				format!(
					"Wrote {account} to {} as a polkadot-js JSON account file; it opens with this key file's passphrase.",
					output.display()
				)
			});
			Ok(())
		},
		KeysCommand::Show { account } => {
			let public = keyfile::read_public(&context.key)?;
			if account {
				context.output.print(&public.account, || public.account.clone());
				return Ok(());
			}
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
			let keys = context.unlock()?;
			let chain = context.chain().await?;
			let genesis = chain.genesis();
			let exported = ExportedKeys {
				public: keys.public(),
				genesis_hash: hex::encode(genesis.0),
				patient_proof: hex::encode(keys.ownership_proof(genesis, true)?.0),
				provider_proof: hex::encode(keys.ownership_proof(genesis, false)?.0),
			};
			let text = serde_json::to_string_pretty(&exported)?;
			match output {
				Some(path) => {
					std::fs::write(&path, format!("{text}\n"))
						.with_context(|| format!("cannot write {}", path.display()))?;
					context.output.print(&serde_json::json!({ "written": path }), || {
						format!("Wrote the public keys of {} to {}.", exported.public.account, path.display())
					});
				},
				None => println!("{text}"),
			}
			Ok(())
		},
		KeysCommand::Rotate => rotate(context).await,
		KeysCommand::Rekey => {
			let keys = context.unlock()?;
			let chain = context.chain().await?;
			let rekeyed = rekey(context, &chain, &keys).await?;
			context.output.print(&serde_json::json!({ "rekeyed": rekeyed }), || {
				format!("Re-keyed {rekeyed} record(s) to the current key.")
			});
			Ok(())
		},
	}
}

/// Runs `ehr keys rotate`: the new keys are saved first (the old ones kept
/// in the file), then put on chain, so no secret is ever lost.
async fn rotate(context: &Context) -> Result<()> {
	let passphrase = keyfile::passphrase(&format!("Passphrase for {}: ", context.key.display()), false)?;
	let keys = keyfile::unlock(&context.key, &passphrase)?;
	let chain = context.chain().await?;
	let me = keys.account_id();
	let is_patient = chain.patient(&from_sp(&me)).await?.is_some();
	let is_provider = chain.provider(&from_sp(&me)).await?.is_some();
	if !is_patient && !is_provider {
		anyhow::bail!("{} is not a registered patient or provider; only they can rotate keys", keys.public().account);
	}
	let rotated = keys.rotated()?;
	keyfile::replace(&context.key, &rotated, &passphrase)?;
	let public_key = BoundedVec(
		ehr_primitives::umbral_codec::encode(&rotated.umbral.public_key())
			.map_err(|_| anyhow!("cannot encode the key"))?,
	);
	let verifying_key = match is_patient {
		true => Some(BoundedVec(
			ehr_primitives::umbral_codec::encode(&rotated.signing.public_key())
				.map_err(|_| anyhow!("cannot encode the key"))?,
		)),
		false => None,
	};
	let call = runtime::transactions().ehr().rotate_keys(public_key, verifying_key);
	context.output.waiting("rotating the keys", chain.submit(&call, &rotated.account)).await.map_err(|e| {
		anyhow!("{e}; the new keys are saved in {}, run `ehr keys rotate` again", context.key.display())
	})?;
	let rekeyed = if is_patient { rekey(context, &chain, &rotated).await? } else { 0 };
	// Grants made before no longer work: list those still live.
	let made = chain.grants_of_patient(&from_sp(&me)).await?;
	let received = chain.grants_to_grantee(&from_sp(&me)).await?;
	let best = chain.best_number().await?;
	let to_reissue: Vec<_> = made
		.iter()
		.chain(received.iter())
		.filter(|(_, g)| g.is_live(&best))
		.map(|(id, g)| serde_json::json!({ "grant": id, "patient": ss58(&from_sp(&g.patient)), "grantee": ss58(&from_sp(&g.grantee)) }))
		.collect();
	let result = serde_json::json!({ "rotated": rotated.public(), "rekeyed": rekeyed, "grantsToReissue": to_reissue });
	context.output.print(&result, || {
		let mut text =
			format!("Rotated the Umbral keys of {} and re-keyed {rekeyed} record(s).", rotated.public().account);
		if to_reissue.is_empty() {
			text.push_str(" No live grant was made by or to you.");
		} else {
			text.push_str(" These grants no longer work; the patient grants again:");
			for grant in &to_reissue {
				text.push_str(&format!(
					"\n  grant {} from {} to {}",
					grant["grant"],
					grant["patient"].as_str().unwrap_or_default(),
					grant["grantee"].as_str().unwrap_or_default()
				));
			}
		}
		text
	});
	Ok(())
}

/// Re-seals to the current key the envelope of every record of the key
/// file's patient that opens only with an earlier key, at most
/// `MAX_REKEY_RECORDS` per transaction; returns how many it re-keyed. The
/// envelope's bytes are kept exactly; only their encryption changes.
async fn rekey(context: &Context, chain: &crate::chain::Chain, keys: &keyfile::Keys) -> Result<usize> {
	let me = keys.account_id();
	let secrets = keys.umbral_secrets()?;
	let current = keys.umbral.public_key();
	let mut pending = Vec::new();
	let page_size = ehr_primitives::MAX_PAGE_SIZE;
	let clock = chain.retirement_clock().await?;
	for page in 0.. {
		let records = chain.records_of_patient(&from_sp(&me), page, page_size).await?;
		for (id, record) in &records {
			// A retired record is re-keyed while it can still be restored.
			if clock.body_gone(record) {
				continue;
			}
			let capsule = ehr_primitives::umbral_codec::decode_capsule(&record.capsule)
				.map_err(|_| anyhow!("the capsule of record {id} on chain is not valid"))?;
			let opened = secrets.iter().enumerate().find_map(|(i, secret)| {
				umbral_pre::decrypt_original(secret, &capsule, &record.encrypted_metadata).ok().map(|p| (i, p))
			});
			match opened {
				Some((0, _)) => {},
				Some((_, plaintext)) => {
					let (capsule, ciphertext) = umbral_pre::encrypt(&current, &plaintext)
						.map_err(|e| anyhow!("cannot seal the envelope of record {id}: {e}"))?;
					let capsule = ehr_primitives::umbral_codec::encode(&capsule)
						.map_err(|_| anyhow!("cannot encode a capsule"))?;
					pending.push((*id, BoundedVec(capsule), BoundedVec(ciphertext.to_vec())));
				},
				None => anyhow::bail!(
					"record {id}'s envelope opens with none of the keys in {}; is it your key file?",
					context.key.display()
				),
			}
		}
		if (records.len() as u32) < page_size {
			break;
		}
	}
	let total = pending.len();
	let mut pending = pending.into_iter().peekable();
	while pending.peek().is_some() {
		let chunk: Vec<_> = pending.by_ref().take(ehr_primitives::MAX_REKEY_RECORDS as usize).collect();
		let count = chunk.len();
		let call = runtime::transactions().ehr().rekey_records(BoundedVec(chunk));
		context
			.output
			.waiting(format!("re-keying {count} record(s)"), chain.submit(&call, &keys.account))
			.await
			.map_err(|e| anyhow!("{e}; run `ehr keys rekey` to finish"))?;
	}
	Ok(total)
}
