//! `ehr request` and `ehr fetch`: a grantee asks for a record and, once the
//! proxies have re-encrypted its capsule, fetches and decrypts the body.

use crate::{
	blobs,
	chain::{from_sp, runtime, ss58, Chain},
	commands::records::ChainRecord,
	crypto::envelope,
	Context,
};
use anyhow::{anyhow, bail, Context as _, Result};
use clap::Args;
use ehr_primitives::{umbral_codec, GrantId, RecordId, RequestId, RequestStatus};
use std::{
	io::Write,
	path::PathBuf,
	time::{Duration, Instant},
};

type SpAccount = sp_core::crypto::AccountId32;
use crate::state::ChainRequest;

/// `ehr request`.
#[derive(Args)]
pub struct RequestArgs {
	/// The record you want to read.
	record: RecordId,
	/// The grant that covers it.
	#[arg(long)]
	grant: GrantId,
}

/// `ehr fetch`.
#[derive(Args)]
pub struct FetchArgs {
	/// The request (from `ehr request`).
	request: RequestId,
	/// Where to write the decrypted body (must not exist yet).
	#[arg(short, long)]
	output: PathBuf,
	/// The custodian hospital's node to read the body from. By default the
	/// client tries the endpoints the hospital publishes on chain, then --url.
	#[arg(long)]
	custodian_url: Option<String>,
	/// How long to wait for the proxies, in seconds.
	#[arg(long, default_value_t = 120)]
	wait: u64,
}

/// Writes `data` to `path`, which must not exist yet, through a temporary
/// file next to it that is synced and then renamed: never a half-written
/// file, never one written over.
pub fn write_new_file(path: &std::path::Path, data: &[u8]) -> Result<()> {
	let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).map(PathBuf::from).unwrap_or_else(|| ".".into());
	let mut temp =
		tempfile::NamedTempFile::new_in(&dir).with_context(|| format!("cannot write in {}", dir.display()))?;
	temp.write_all(data)?;
	temp.as_file().sync_all()?;
	temp.persist_noclobber(path).map_err(|e| anyhow!("cannot write {} ({})", path.display(), e.error))?;
	Ok(())
}

/// Runs `ehr request`.
pub async fn request(context: &Context, args: RequestArgs) -> Result<()> {
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let call = runtime::transactions().ehr().request_access(args.grant, args.record);
	let events = context
		.output
		.waiting(format!("requesting record {}", args.record), chain.submit_in_block(&call, &keys.account))
		.await?;
	let requested = events
		.find_first::<runtime::ehr::events::AccessRequested>()
		.transpose()?
		.ok_or_else(|| anyhow!("the chain took the transaction but reported no request"))?;
	context.output.print(
		&serde_json::json!({ "request": requested.request, "record": args.record, "grant": args.grant }),
		|| {
			format!(
				"Opened request {} for record {}. Fetch it with `ehr fetch {} -o FILE`.",
				requested.request, args.record, requested.request
			)
		},
	);
	Ok(())
}

/// Waits until `request` is ready (or fails if it expired or `wait` passes).
async fn wait_ready(chain: &Chain, request: RequestId, wait: Duration, context: &Context) -> Result<ChainRequest> {
	let spinner = context.output.spinner(format!("waiting for the proxies to re-encrypt request {request}"));
	let start = Instant::now();
	// Checked again on each new block (the proxies' cfrags arrive in
	// blocks), and every 2 s should the subscription go quiet.
	let mut heads = chain.new_heads().await?;
	loop {
		let found = chain.request(request).await?;
		let found =
			found.ok_or_else(|| anyhow!("there is no request {request}; check the number `ehr request` printed"))?;
		match found.status {
			RequestStatus::Ready => {
				spinner.finish_and_clear();
				return Ok(found);
			},
			RequestStatus::Expired => {
				bail!("request {request} expired before enough proxies answered; open a new one with `ehr request`")
			},
			RequestStatus::Open => {
				spinner.set_message(format!("request {request}: {} of the proxies' cfrags so far", found.cfrags.len()));
			},
		}
		let Some(left) = wait.checked_sub(start.elapsed()) else {
			bail!(
				"request {request} is not ready after {}s; try `ehr fetch` again later or with a longer --wait",
				wait.as_secs()
			);
		};
		let _ = tokio::time::timeout(left.min(Duration::from_secs(2)), heads.next()).await;
	}
}

/// Runs `ehr fetch`.
pub async fn fetch(context: &Context, args: FetchArgs) -> Result<()> {
	if args.output.exists() {
		bail!("{} already exists; choose another -o file", args.output.display());
	}
	let keys = context.unlock()?;
	let chain = context.chain().await?;
	let me: SpAccount = keys.account_id();
	let request = wait_ready(&chain, args.request, Duration::from_secs(args.wait), context).await?;
	if request.grantee != me {
		bail!("request {} is not yours; use the key file of its grantee", args.request);
	}
	let record: ChainRecord = chain
		.record(request.record)
		.await?
		.ok_or_else(|| anyhow!("record {} is no longer on chain (retired)", request.record))?;
	let patient = chain
		.patient(&from_sp(&request.patient))
		.await?
		.ok_or_else(|| anyhow!("the record's patient is not registered any more"))?;

	// Check every cfrag against the patient's keys and ours, then open the envelope.
	let capsule =
		umbral_codec::decode_capsule(&record.capsule).map_err(|_| anyhow!("the record's capsule is not valid"))?;
	let delegating =
		umbral_codec::decode_public_key(&patient.public_key).map_err(|_| anyhow!("the patient's key is not valid"))?;
	let verifying = umbral_codec::decode_public_key(&patient.verifying_key)
		.map_err(|_| anyhow!("the patient's verifying key is not valid"))?;
	let receiving = keys.umbral.public_key();
	let mut cfrags = Vec::new();
	for delivered in request.cfrags.iter() {
		let cfrag =
			umbral_codec::decode_cfrag(&delivered.cfrag).map_err(|_| anyhow!("a cfrag on chain is not valid"))?;
		let verified = cfrag
			.verify(&capsule, &verifying, &delegating, &receiving)
			.map_err(|_| anyhow!("a cfrag from {} does not verify for this key file", delivered.hospital))?;
		cfrags.push(verified);
	}
	let envelope = envelope::open_reencrypted(&keys.umbral, &delegating, &capsule, cfrags, &record.encrypted_metadata)?;

	let endpoints =
		blobs::custodian_endpoints(&chain, &from_sp(&record.custodian), args.custodian_url.as_deref()).await?;
	let read = blobs::BodyRead {
		reader: &keys.account,
		custodian: record.custodian.clone(),
		request: Some(args.request),
		record: None,
		expected: record.body_hash,
		size: record.body_size,
	};
	let blob = blobs::download_from_custodian(&chain, &endpoints, &read, context.output).await?;
	write_record(context, request.record, Some(args.request), &record.custodian, &envelope, &blob, &args.output)
}

/// Decrypts a fetched `blob` with its record's `envelope`, writes it to
/// `output` (never over an existing file) and prints what was written:
/// the end of `ehr fetch` (`request` given) and `ehr record fetch`.
pub fn write_record(
	context: &Context,
	record: RecordId,
	request: Option<RequestId>,
	custodian: &sp_core::crypto::AccountId32,
	envelope: &envelope::Envelope,
	blob: &[u8],
	output: &std::path::Path,
) -> Result<()> {
	let body = envelope::open_body(blob, envelope)?;
	write_new_file(output, &body)?;
	let result = serde_json::json!({
		"request": request,
		"record": record,
		"file": output,
		"bytes": body.len(),
		"custodian": ss58(&from_sp(custodian)),
		"metadata": envelope.metadata(),
	});
	context.output.print(&result, || {
		format!(
			"Wrote record {record} ({}, {} bytes) to {}.",
			envelope.resource_type.as_deref().unwrap_or(&envelope.file_name),
			body.len(),
			output.display()
		)
	});
	Ok(())
}
