//! `ehr record add | list | fetch | retire | restore`.

use crate::{
	blobs,
	chain::{from_sp, parse_account, runtime, ss58, AccountId, Chain},
	crypto::envelope::{self, Envelope, RecordMetadata},
	Context,
};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Subcommand;
use ehr_primitives::{umbral_codec, PatientInfo, RecordId, MAX_PAGE_SIZE};
use runtime::runtime_types::bounded_collections::bounded_vec::BoundedVec;
use serde::Serialize;
use std::path::PathBuf;

/// Record commands.
#[derive(Subcommand)]
pub enum RecordCommand {
	/// Add a record for a patient (hospital staff; the key file is the
	/// hospital's and --url its own node, which keeps the encrypted body).
	Add {
		/// The document; FHIR R4 JSON resources are recognised.
		file: PathBuf,
		/// The patient's account (SS58).
		#[arg(long)]
		patient: String,
	},
	/// List your records across all hospitals, with their decrypted metadata (patients).
	List,
	/// Read and decrypt the body of one of your records from the hospital
	/// that holds it (patients); the read is on your audit log.
	Fetch {
		/// The record id (from `ehr record list`).
		record: RecordId,
		/// Where to write the decrypted body (must not exist yet).
		#[arg(short, long)]
		output: PathBuf,
		/// The custodian hospital's node to read from. By default the client
		/// tries the endpoints the hospital publishes on chain, then --url.
		#[arg(long)]
		custodian_url: Option<String>,
	},
	/// Retire a record your hospital holds (hospital staff) or one of your
	/// own (patients): it can no longer be shared, and its body is kept for
	/// the retirement grace (30 days unless the consortium set another),
	/// during which `ehr record restore` undoes it; then it is deleted.
	Retire {
		/// The record id.
		record: RecordId,
	},
	/// Restore retired records of yours whose retirement grace has not
	/// passed (patients): they can be shared again. The consortium restores
	/// anyone's by a two-thirds vote (docs/operator.md).
	Restore {
		/// The record ids (from `ehr record list` or `ehr log`), at most 100.
		#[arg(required = true, num_args = 1..)]
		records: Vec<RecordId>,
	},
}

/// A record as the patient sees it.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordView {
	id: RecordId,
	custodian: String,
	custodian_name: String,
	created_at: u32,
	body_size: u64,
	/// The block the record was retired in, if it is retired.
	retired_at: Option<u32>,
	/// For a retired record, the first block at which its body may be
	/// deleted; it can be restored until the block before.
	body_kept_until: Option<u32>,
	#[serde(flatten)]
	metadata: Option<RecordMetadata>,
}

/// The on-chain record type as the runtime API returns it.
pub use crate::state::ChainRecord;

/// The patient's registration, or an error that says what to do.
pub async fn patient_info(chain: &Chain, patient: &AccountId) -> Result<PatientInfo<sp_core::crypto::AccountId32>> {
	let info = chain.patient(patient).await?;
	info.ok_or_else(|| anyhow!("{} is not a registered patient; a hospital must register them first", ss58(patient)))
}

/// Opens a record's envelope with the patient's key.
pub fn open(record: &ChainRecord, secret: &umbral_pre::SecretKey) -> Result<Envelope> {
	let capsule = umbral_codec::decode_capsule(&record.capsule)
		.map_err(|_| anyhow!("the record's capsule on chain is not valid"))?;
	envelope::open_envelope(secret, &capsule, &record.encrypted_metadata)
}

/// Runs a record command.
pub async fn run(context: &Context, command: RecordCommand) -> Result<()> {
	match command {
		RecordCommand::Add { file, patient } => add(context, file, &patient).await,
		RecordCommand::List => list(context).await,
		RecordCommand::Fetch { record, output, custodian_url } => {
			fetch(context, record, &output, custodian_url.as_deref()).await
		},
		RecordCommand::Retire { record } => retire(context, record).await,
		RecordCommand::Restore { records } => restore(context, records).await,
	}
}

/// `ehr record retire`: withdraws a record from sharing; says until when its
/// body is kept and how to undo it.
async fn retire(context: &Context, record: RecordId) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let call = runtime::transactions().ehr().retire_record(record);
	let events =
		context.output.waiting(format!("retiring record {record}"), chain.submit(&call, &keys.account)).await?;
	let retired = events
		.find_first::<runtime::ehr::events::RecordRetired>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain took the transaction but reported no retirement"))?;
	let kept_until = retired.body_kept_until;
	context.output.print(&serde_json::json!({ "retired": record, "bodyKeptUntil": kept_until }), || {
		format!(
			"Retired record {record}: it can no longer be shared. Its body is kept until block {kept_until}; \
			 until then the patient can undo this with `ehr record restore {record}` (or the consortium by a vote)."
		)
	});
	Ok(())
}

/// `ehr record restore`: the patient brings retired records back into use.
async fn restore(context: &Context, records: Vec<RecordId>) -> Result<()> {
	let max = ehr_primitives::MAX_RESTORE_RECORDS as usize;
	if records.len() > max {
		bail!("at most {max} records are restored at once; run `ehr record restore` again for the rest");
	}
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let clock = chain.retirement_clock().await?;
	for id in &records {
		let record = chain.record(*id).await?.ok_or_else(|| anyhow!("there is no record {id}"))?;
		if record.patient != keys.account_id() {
			bail!("record {id} is not yours; only its patient, or the consortium by a vote, restores it");
		}
		match record.body_kept_until(clock.grace) {
			None => bail!("record {id} is not retired; there is nothing to restore"),
			Some(kept_until) if clock.body_gone(&record) => bail!(
				"record {id}'s retirement grace ended at block {kept_until}; its body may be deleted, so it \
				 cannot be restored (its custodian may hold a backup)"
			),
			Some(_) => {},
		}
	}
	let call = runtime::transactions().ehr().restore_records(BoundedVec(records.clone()));
	context.output.waiting("restoring the records", chain.submit(&call, &keys.account)).await?;
	let list = records.iter().map(|id| id.to_string()).collect::<Vec<_>>().join(", ");
	context.output.print(&serde_json::json!({ "restored": records }), || format!("Restored record(s) {list}."));
	Ok(())
}

async fn add(context: &Context, file: PathBuf, patient: &str) -> Result<()> {
	let patient = parse_account(patient)?;
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let info = patient_info(&chain, &patient).await?;
	let patient_key = umbral_codec::decode_public_key(&info.public_key)
		.map_err(|_| anyhow!("the patient's public key on chain is not valid"))?;

	let body = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
	if body.is_empty() {
		bail!("{} is empty; there is nothing to store", file.display());
	}
	let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
	let sealed = envelope::seal_body(&body)?;
	let description = envelope::describe(&name, &body, &sealed.key);
	let (capsule, ciphertext) = envelope::seal_envelope(&description, &patient_key)?;
	let body_hash = blobs::upload(&chain, &sealed.blob, context.output).await?;

	let capsule = umbral_codec::encode(&capsule).map_err(|e| anyhow!("cannot encode the capsule: {e:?}"))?;
	let call = runtime::transactions().ehr().create_record(
		patient,
		BoundedVec(capsule),
		BoundedVec(ciphertext),
		subxt::utils::H256(body_hash.0),
		sealed.blob.len() as u64,
	);
	let events = context.output.waiting("creating the record", chain.submit(&call, &keys.account)).await?;
	let created = events
		.find_first::<runtime::ehr::events::RecordCreated>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain took the transaction but reported no new record"))?;
	let result = serde_json::json!({
		"record": created.record,
		"patient": ss58(&patient),
		"bodyHash": body_hash,
		"bodySize": sealed.blob.len(),
		"resourceType": description.resource_type,
		"date": description.date,
	});
	context.output.print(&result, || {
		format!(
			"Created record {} for {} ({}, {} bytes encrypted, body {body_hash:?}).",
			created.record,
			ss58(&patient),
			description.resource_type.as_deref().unwrap_or("document"),
			sealed.blob.len()
		)
	});
	Ok(())
}

/// All records of `patient`, page by page.
pub async fn records_of(chain: &Chain, patient: &AccountId) -> Result<Vec<(RecordId, ChainRecord)>> {
	let mut all = Vec::new();
	for page in 0u32.. {
		let batch = chain.records_of_patient(patient, page, MAX_PAGE_SIZE).await?;
		let done = (batch.len() as u32) < MAX_PAGE_SIZE;
		all.extend(batch);
		if done {
			break;
		}
	}
	Ok(all)
}

/// `ehr record fetch`: the patient reads their own record's body.
async fn fetch(context: &Context, id: RecordId, output: &std::path::Path, custodian_url: Option<&str>) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let record = chain.record(id).await?.ok_or_else(|| anyhow!("there is no record {id}"))?;
	if record.patient != keys.account_id() {
		bail!("record {id} is not yours; a clinician reads a record with `ehr request` and `ehr fetch`");
	}
	let clock = chain.retirement_clock().await?;
	if let Some(kept_until) = record.body_kept_until(clock.grace).filter(|_| clock.body_gone(&record)) {
		bail!("record {id} was retired and its retirement grace ended at block {kept_until}; its body may be deleted");
	}
	let envelope = open(&record, &keys.umbral)?;
	let custodian = from_sp(&record.custodian);
	let endpoints = blobs::custodian_endpoints(&chain, &custodian, custodian_url).await?;
	let read = blobs::BodyRead {
		reader: &keys.account,
		custodian: record.custodian.clone(),
		request: None,
		record: Some(id),
		expected: record.body_hash,
		size: record.body_size,
	};
	let blob = blobs::download_from_custodian(&chain, &endpoints, &read, context.output).await?;
	crate::commands::access::write_record(context, id, None, &record.custodian, &envelope, &blob, output)
}

async fn list(context: &Context) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let me = from_sp(&keys.account_id());
	patient_info(&chain, &me).await?;
	let names = chain.hospital_names().await?;
	let clock = chain.retirement_clock().await?;
	let name_of = |account: &AccountId| {
		names.iter().find(|(a, _)| a == account).map(|(_, n)| n.clone()).unwrap_or_else(|| ss58(account))
	};
	let views: Vec<RecordView> = records_of(&chain, &me)
		.await?
		.into_iter()
		.map(|(id, record)| {
			let custodian = from_sp(&record.custodian);
			RecordView {
				id,
				custodian: ss58(&custodian),
				custodian_name: name_of(&custodian),
				created_at: record.created_at,
				body_size: record.body_size,
				retired_at: record.retired_at,
				body_kept_until: record.body_kept_until(clock.grace),
				metadata: open(&record, &keys.umbral).ok().map(|envelope| envelope.metadata()),
			}
		})
		.collect();
	context.output.print(&views, || {
		if views.is_empty() {
			return "You have no records yet.".into();
		}
		let mut text = format!(
			"{:>6}  {:<22}  {:<20}  {:<25}  {:>8}  {}\n",
			"record", "hospital", "type", "date", "block", "file"
		);
		for view in &views {
			let (kind, date, file) = match &view.metadata {
				Some(m) => (
					m.resource_type.clone().unwrap_or_else(|| "document".into()),
					m.date.clone().unwrap_or_default(),
					m.file_name.clone(),
				),
				None => ("(cannot decrypt)".into(), String::new(), String::new()),
			};
			let state = match view.body_kept_until {
				Some(until) if clock.now < until => format!("  (retired; restorable until block {until})"),
				Some(_) => "  (retired)".into(),
				None => String::new(),
			};
			text.push_str(&format!(
				"{:>6}  {:<22}  {:<20}  {:<25}  {:>8}  {}{state}\n",
				view.id, view.custodian_name, kind, date, view.created_at, file
			));
		}
		text.trim_end().to_owned()
	});
	Ok(())
}
