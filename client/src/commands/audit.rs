//! `ehr log`: the patient's audit log, for a person to read.

use crate::{
	chain::{from_sp, ss58},
	Context,
};
use anyhow::Result;
use clap::Args;
use ehr_primitives::{AuditAction, AuditEntry, MAX_PAGE_SIZE};
use serde::Serialize;

type SpAccount = sp_core::crypto::AccountId32;

/// `ehr log`.
#[derive(Args)]
pub struct LogArgs {
	/// Only the last N entries.
	#[arg(long)]
	last: Option<u32>,
	/// Print the entries as a FHIR R4 Bundle of AuditEvent resources.
	#[arg(long)]
	fhir: bool,
}

/// One entry for people and scripts.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EntryView {
	block: u32,
	actor: String,
	actor_name: String,
	action: &'static str,
	#[serde(skip)]
	words: &'static str,
	#[serde(skip)]
	kind: AuditAction,
	record: Option<u64>,
	grant: Option<u64>,
	request: Option<u64>,
}

/// What an action means, in words.
fn describe(action: AuditAction) -> (&'static str, &'static str) {
	match action {
		AuditAction::RecordCreated => ("record-created", "added record"),
		AuditAction::RecordRetired => ("record-retired", "retired record"),
		AuditAction::GrantCreated => ("grant-created", "granted access"),
		AuditAction::GrantRevoked => ("grant-revoked", "revoked grant"),
		AuditAction::AccessRequested => ("access-requested", "requested access"),
		AuditAction::CfragAccepted => ("cfrag-accepted", "re-encrypted for a request (proxy)"),
		AuditAction::RequestReady => ("request-ready", "request became readable"),
		AuditAction::RequestExpired => ("request-expired", "request expired"),
		AuditAction::FetchConfirmed => ("fetch-confirmed", "served the body"),
		AuditAction::PatientRead => ("patient-read", "served the body to you"),
		AuditAction::RecordRestored => ("record-restored", "restored retired record"),
	}
}

/// Runs `ehr log`.
pub async fn log(context: &Context, args: LogArgs) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let me: SpAccount = keys.account_id();
	let length = chain.audit_log_len(&from_sp(&me)).await?;
	let mut entries: Vec<AuditEntry<SpAccount, u32>> = Vec::new();
	for page in 0..length.div_ceil(MAX_PAGE_SIZE) {
		let batch = chain.audit_log(&from_sp(&me), page, MAX_PAGE_SIZE).await?;
		entries.extend(batch);
	}
	if let Some(last) = args.last {
		let skip = entries.len().saturating_sub(last as usize);
		entries.drain(..skip);
	}
	let names = chain.hospital_names().await?;
	let views: Vec<EntryView> = entries
		.into_iter()
		.map(|entry| {
			let actor = from_sp(&entry.actor);
			let actor_name = if entry.actor == me {
				"you".to_owned()
			} else if entry.actor == SpAccount::new(ehr_primitives::CONSORTIUM_ACCOUNT) {
				"the consortium (a members' vote)".to_owned()
			} else {
				names.iter().find(|(a, _)| *a == actor).map(|(_, n)| n.clone()).unwrap_or_else(|| ss58(&actor))
			};
			EntryView {
				block: entry.block,
				actor: ss58(&actor),
				actor_name,
				action: describe(entry.action).0,
				words: describe(entry.action).1,
				kind: entry.action,
				record: entry.record,
				grant: entry.grant,
				request: entry.request,
			}
		})
		.collect();
	if args.fhir {
		return print_fhir(&chain, &ss58(&from_sp(&me)), &views).await;
	}
	context.output.print(&views, || {
		if views.is_empty() {
			return "Your audit log is empty.".into();
		}
		let mut text = String::new();
		for v in &views {
			let words = v.words;
			let mut subjects = Vec::new();
			if let Some(r) = v.record {
				subjects.push(format!("record {r}"));
			}
			if let Some(g) = v.grant {
				subjects.push(format!("grant {g}"));
			}
			if let Some(q) = v.request {
				subjects.push(format!("request {q}"));
			}
			text.push_str(&format!("block {:>7}  {:<28}  {words} ({})\n", v.block, v.actor_name, subjects.join(", ")));
		}
		text.trim_end().to_owned()
	});
	Ok(())
}

/// Prints the entries as a FHIR Bundle of AuditEvents (`ehr log --fhir`).
async fn print_fhir(chain: &crate::chain::Chain, patient: &str, views: &[EntryView]) -> Result<()> {
	let times = crate::fhir::export::BlockTimes::read(chain, views.iter().map(|v| v.block)).await?;
	let genesis = format!("{:?}", chain.genesis());
	let events = views
		.iter()
		.map(|v| {
			crate::fhir::export::audit_event(&crate::fhir::export::AuditFact {
				patient,
				actor: &v.actor,
				actor_name: Some(&v.actor_name),
				action: v.kind,
				action_name: v.action,
				action_words: v.words,
				recorded: times.instant(v.block),
				block: v.block,
				record: v.record,
				grant: v.grant,
				request: v.request,
				chain: &genesis,
			})
		})
		.collect();
	println!("{}", serde_json::to_string_pretty(&crate::fhir::export::bundle(events, &times.now()))?);
	Ok(())
}
