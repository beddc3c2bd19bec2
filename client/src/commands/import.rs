//! `ehr import --fhir BASE_URL --patient-id ID --patient ADDRESS`: hospital
//! staff register a patient's resources on the hospital's FHIR R4 server as
//! records, each resource version once.
//!
//! 1. Everything is read and checked first: the key file, the patient's
//!    registration, the server's CapabilityStatement, the patient and their
//!    resources. Any failure here is one sentence and nothing reaches the
//!    chain.
//! 2. Each version's keyed source tag ([`SourceTagKey`]) is looked up on
//!    chain (`EhrApi::records_from_sources`): versions the hospital already
//!    registered are skipped, whoever ran the import and on whichever machine.
//! 3. Each new version's JSON, exactly as served, is encrypted and uploaded
//!    to the hospital's own node as `ehr record add` does; its envelope
//!    carries the resource type, id, versionId, lastUpdated and the server's
//!    base URL. Resources over `--max-size` or the node's limit (or with
//!    an envelope over the chain's bound) are reported and skipped; an
//!    upload the node refuses stops the import before anything is on chain.
//! 4. The records go on chain in `create_records` batches of
//!    [`MAX_CREATE_RECORDS`], all submitted at once.

use crate::{
	blobs,
	chain::{from_sp, parse_account, runtime, ss58, AccountId, Chain},
	commands::records::patient_info,
	crypto::{
		envelope::{self, FhirLocator},
		source_tag::SourceTagKey,
	},
	fhir::{self, FhirServer, ServedResource},
	Context,
};
use anyhow::{anyhow, bail, Result};
use clap::Args;
use ehr_primitives::{
	umbral_codec, RecordId, SourceTag, MAX_CREATE_RECORDS, MAX_ENCRYPTED_METADATA_LEN, MAX_PAGE_SIZE,
};
use ehr_rpc_api::EhrRpcApiClient;
use runtime::runtime_types::{bounded_collections::bounded_vec::BoundedVec, ehr_primitives::types::NewRecord};
use serde::Serialize;

/// `ehr import`.
#[derive(Args)]
pub struct ImportArgs {
	/// The hospital's FHIR R4 server (its base URL, for example
	/// https://ehr.example-hospital.org/fhir).
	#[arg(long = "fhir", value_name = "BASE_URL")]
	fhir: String,
	/// The patient's logical id on that server (`Patient/ID`).
	#[arg(long)]
	patient_id: String,
	/// The patient's account on the chain (SS58); they must be registered.
	#[arg(long)]
	patient: String,
	/// Only resources updated after this date (2024-05-01) or instant
	/// (2024-05-01T10:00:00Z).
	#[arg(long)]
	since: Option<String>,
	/// Search each resource type of the patient compartment by patient,
	/// even where the server offers `Patient/$everything` (for servers
	/// whose $everything leaves resources out).
	#[arg(long)]
	search_by_type: bool,
	/// Largest resource to import, in bytes; larger ones are reported and skipped.
	#[arg(long, default_value_t = 8 << 20)]
	max_size: u64,
}

/// What became of one resource version.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResourceOutcome {
	resource_type: String,
	id: String,
	#[serde(skip_serializing_if = "Option::is_none")]
	version_id: Option<String>,
	/// The record it is (new or already registered).
	#[serde(skip_serializing_if = "Option::is_none")]
	record: Option<RecordId>,
	/// Why it was not imported.
	#[serde(skip_serializing_if = "Option::is_none")]
	reason: Option<String>,
}

/// The import's summary.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Summary {
	patient: String,
	fhir_base_url: String,
	new: Vec<ResourceOutcome>,
	already_registered: Vec<ResourceOutcome>,
	failed: Vec<ResourceOutcome>,
}

fn outcome(resource: &ServedResource, record: Option<RecordId>, reason: Option<String>) -> ResourceOutcome {
	ResourceOutcome {
		resource_type: resource.resource_type.clone(),
		id: resource.id.clone(),
		version_id: resource.version_id.clone(),
		record,
		reason,
	}
}

/// A resource version ready to go on chain.
struct Prepared {
	index: usize,
	record: NewRecord<subxt::utils::AccountId32>,
}

/// Runs `ehr import`.
pub async fn import(context: &Context, args: ImportArgs) -> Result<()> {
	// Inputs first, before any key, node or server is touched.
	if !fhir::is_fhir_id(&args.patient_id) {
		bail!("--patient-id {:?} is not a FHIR id (1 to 64 letters, digits, '-' or '.')", args.patient_id);
	}
	let since = args.since.as_deref().map(fhir::parse_since).transpose()?;
	let server = FhirServer::new(&args.fhir)?;
	let patient = parse_account(&args.patient)?;

	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let hospital = from_sp(&keys.account_id());
	chain.ensure_member(&hospital).await?;
	let info = patient_info(&chain, &patient).await?;
	let patient_key = umbral_codec::decode_public_key(&info.public_key)
		.map_err(|_| anyhow!("the patient's public key on chain is not valid"))?;

	// The node's own limit, less the body's nonce and tag (40 bytes).
	let node_limit = chain.ehr(|rpc| rpc.status()).await?.blob_max_bytes.saturating_sub(40);
	let max_size = args.max_size.min(node_limit);

	let capabilities = server.capabilities().await?;
	let resources = context
		.output
		.waiting(
			format!("reading Patient/{}'s resources from {}", args.patient_id, server.base_url()),
			server.patient_resources(&capabilities, &args.patient_id, since, args.search_by_type),
		)
		.await?;

	let base_url = server.base_url();
	let tag_key = SourceTagKey::derive(&keys.account, chain.genesis());
	let tags: Vec<SourceTag> =
		resources.iter().map(|r| tag_key.tag(&base_url, &r.resource_type, &r.id, &r.version())).collect();
	let known = registered(&chain, &hospital, &tags).await?;

	let mut summary = Summary { patient: ss58(&patient), fhir_base_url: base_url.clone(), ..Default::default() };
	let mut prepared = Vec::new();
	let fresh: Vec<usize> = (0..resources.len()).filter(|&i| known[i].is_none()).collect();
	for (i, record) in known.iter().enumerate() {
		if let Some(record) = record {
			summary.already_registered.push(outcome(&resources[i], Some(*record), None));
		}
	}
	let bar = context.output.items(fresh.len() as u64, "encrypting and uploading");
	for &index in &fresh {
		let resource = &resources[index];
		match seal(resource, &base_url, &patient_key, max_size)? {
			Ok(sealed) => {
				// An upload the node refuses stops the import: it would refuse
				// the next body too, and nothing is on chain yet.
				let body_hash = blobs::put(&chain, &sealed.blob, |_| {}).await.map_err(|e| {
					anyhow!("uploading {}/{} to the hospital's node failed: {e}", resource.resource_type, resource.id)
				})?;
				let record = NewRecord {
					patient,
					capsule: BoundedVec(sealed.capsule),
					encrypted_metadata: BoundedVec(sealed.envelope),
					body_hash: subxt::utils::H256(body_hash.0),
					body_size: sealed.blob.len() as u64,
					source: Some(subxt::utils::H256(tags[index].0)),
				};
				prepared.push(Prepared { index, record });
			},
			Err(reason) => summary.failed.push(outcome(resource, None, Some(reason))),
		}
		bar.inc(1);
	}
	bar.finish_and_clear();

	let total = prepared.len();
	let mut calls = Vec::new();
	let mut batches: Vec<Vec<usize>> = Vec::new();
	let mut pending = prepared.into_iter().peekable();
	while pending.peek().is_some() {
		let (indices, records): (Vec<usize>, Vec<_>) =
			pending.by_ref().take(MAX_CREATE_RECORDS as usize).map(|p| (p.index, p.record)).unzip();
		calls.push(runtime::transactions().ehr().create_records(BoundedVec(records)));
		batches.push(indices);
	}
	if !calls.is_empty() {
		let message = format!("registering {total} records in {} transactions", calls.len());
		let all_events = context.output.waiting(message, chain.submit_all(&calls, &keys.account)).await?;
		for (batch, events) in batches.iter().zip(all_events) {
			let created: Vec<RecordId> = events
				.find::<runtime::ehr::events::RecordCreated>()
				.map(|event| event.map(|e| e.record))
				.collect::<Result<_, _>>()?;
			if created.len() != batch.len() {
				bail!("the chain took a batch of {} records but reported {} new ones", batch.len(), created.len());
			}
			for (index, record) in batch.iter().zip(created) {
				summary.new.push(outcome(&resources[*index], Some(record), None));
			}
		}
	}

	let failed = summary.failed.len();
	context.output.print(&summary, || human(&summary));
	if failed > 0 {
		let text = format!("{failed} of {} resources were not imported; the summary lists why", resources.len());
		return Err(crate::PartlyDone(text).into());
	}
	Ok(())
}

/// For each tag, the record `hospital` already created from it.
async fn registered(chain: &Chain, hospital: &AccountId, tags: &[SourceTag]) -> Result<Vec<Option<RecordId>>> {
	let mut known = Vec::with_capacity(tags.len());
	for page in tags.chunks(MAX_PAGE_SIZE as usize) {
		let page_tags = page.iter().map(|tag| subxt::utils::H256(tag.0)).collect();
		let call = runtime::runtime_apis().ehr_api().records_from_sources(*hospital, page_tags);
		let answer = chain.runtime_api(call).await?;
		if answer.len() != page.len() {
			bail!("the node answered for {} of {} source tags; is it on an older runtime?", answer.len(), page.len());
		}
		known.extend(answer);
	}
	Ok(known)
}

/// A resource version's encrypted body and its envelope sealed to the patient.
struct Sealed {
	blob: Vec<u8>,
	capsule: Vec<u8>,
	envelope: Vec<u8>,
}

/// Encrypts one resource version's body and seals its envelope to the
/// patient; `Ok(Err(reason))` skips the resource (over `max_size`, or an
/// envelope over the chain's bound).
fn seal(
	resource: &ServedResource,
	base_url: &str,
	patient_key: &umbral_pre::PublicKey,
	max_size: u64,
) -> Result<Result<Sealed, String>> {
	let body = resource.json.get().as_bytes();
	if body.len() as u64 > max_size {
		return Ok(Err(format!("{} bytes, over --max-size (or the node's limit) of {max_size}", body.len())));
	}
	let sealed = envelope::seal_body(body)?;
	let version = resource.version_id.as_deref().map(|v| format!("-v{v}")).unwrap_or_default();
	let name = format!("{}-{}{version}.json", resource.resource_type, resource.id);
	let mut description = envelope::describe(&name, body, &sealed.key);
	description.source = Some(FhirLocator {
		base_url: base_url.to_owned(),
		id: resource.id.clone(),
		version_id: resource.version_id.clone(),
		last_updated: resource.last_updated.clone(),
	});
	let (capsule, ciphertext) = envelope::seal_envelope(&description, patient_key)?;
	if ciphertext.len() > MAX_ENCRYPTED_METADATA_LEN as usize {
		let size = ciphertext.len();
		return Ok(Err(format!(
			"its metadata envelope is {size} bytes, over the chain's {MAX_ENCRYPTED_METADATA_LEN}"
		)));
	}
	let capsule = umbral_codec::encode(&capsule).map_err(|e| anyhow!("cannot encode the capsule: {e:?}"))?;
	Ok(Ok(Sealed { blob: sealed.blob, capsule, envelope: ciphertext }))
}

fn human(summary: &Summary) -> String {
	let mut text = format!(
		"Imported from {} for {}: {} new, {} already registered, {} failed.",
		summary.fhir_base_url,
		summary.patient,
		summary.new.len(),
		summary.already_registered.len(),
		summary.failed.len()
	);
	for item in &summary.new {
		let record = item.record.map(|r| r.to_string()).unwrap_or_default();
		text.push_str(&format!("\n  new      record {record:>6}  {}/{}", item.resource_type, item.id));
	}
	for item in &summary.failed {
		let reason = item.reason.as_deref().unwrap_or("");
		text.push_str(&format!("\n  failed                 {}/{}: {reason}", item.resource_type, item.id));
	}
	text
}
