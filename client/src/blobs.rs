//! Record bodies on the custodian's node: chunked uploads (`ehr_putBlob`, the
//! hospital's own node) and signed, ranged reads (`ehr_getBlob`).

use crate::{chain::Chain, output::Output};
use anyhow::{anyhow, bail, Result};
use ehr_rpc_api::{BlobRead, EhrRpcApiClient};
use sp_core::{sr25519, H256};
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes per upload chunk and per read.
pub const CHUNK: usize = 1 << 20;

/// Uploads `blob` to the node behind `chain` (which must be the hospital's
/// own node: `ehr_putBlob` is an unsafe RPC method), with a byte progress
/// bar. Returns its hash.
pub async fn upload(chain: &Chain, blob: &[u8], output: Output) -> Result<H256> {
	let bar = output.bytes(blob.len() as u64, "uploading");
	let hash = put(chain, blob, |done| bar.set_position(done)).await?;
	bar.finish_and_clear();
	Ok(hash)
}

/// [`upload`], reporting the bytes stored so far to `progress` instead of
/// a bar of its own (for importers that show one bar over many bodies).
pub async fn put(chain: &Chain, blob: &[u8], progress: impl Fn(u64)) -> Result<H256> {
	let hash = H256(sp_crypto_hashing::blake2_256(blob));
	let mut offset = 0usize;
	loop {
		let end = (offset + CHUNK).min(blob.len());
		let chunk = sp_core::Bytes(blob[offset..end].to_vec());
		let reply = chain
			.ehr(|rpc| rpc.put_blob(hash, blob.len() as u64, offset as u64, chunk))
			.await
			.map_err(|e| anyhow!("{e}; uploads need the hospital's own node with --rpc-methods unsafe"))?;
		progress(reply.next_offset);
		if reply.complete {
			return Ok(hash);
		}
		if reply.next_offset as usize <= offset && end != blob.len() {
			bail!("the node did not accept the chunk at byte {offset}; try again");
		}
		offset = reply.next_offset as usize;
	}
}

fn now_ms() -> u64 {
	SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or_default()
}

/// The nodes to read a body that hospital `custodian` holds from, in the
/// order to try them: `override_url` alone when the person named one;
/// otherwise the endpoints the hospital publishes in its consortium profile,
/// then the node the client is connected to (`chain`), which may be one of
/// the custodian's own.
pub async fn custodian_endpoints(
	chain: &Chain,
	custodian: &crate::chain::AccountId,
	override_url: Option<&str>,
) -> Result<Vec<String>> {
	if let Some(url) = override_url {
		return Ok(vec![url.to_owned()]);
	}
	let mut endpoints = chain.endpoints(custodian).await?;
	if !endpoints.iter().any(|url| url == chain.url()) {
		endpoints.push(chain.url().to_owned());
	}
	Ok(endpoints)
}

/// One body to read from its custodian: who reads it and under what right,
/// and what the chain says the body is.
pub struct BodyRead<'a> {
	/// The reader, who signs each range.
	pub reader: &'a sr25519::Pair,
	/// The hospital that holds the body (the record's custodian), which the
	/// signed reads name.
	pub custodian: sp_core::crypto::AccountId32,
	/// The ready request a grantee reads under.
	pub request: Option<u64>,
	/// The record a patient reads as its patient.
	pub record: Option<u64>,
	/// The record's body hash.
	pub expected: H256,
	/// The record's body size.
	pub size: u64,
}

/// [`download`] from the first of `endpoints` (see [`custodian_endpoints`])
/// that serves the whole body: one that cannot be reached, or that refuses
/// (another hospital's node answers that it is not the custodian), is
/// skipped for the next. `chain` is reused for its own URL. Fails with every
/// endpoint's reason when none serves the body.
pub async fn download_from_custodian(
	chain: &Chain,
	endpoints: &[String],
	read: &BodyRead<'_>,
	output: Output,
) -> Result<Vec<u8>> {
	let mut reasons = Vec::new();
	for url in endpoints {
		let connected;
		let node = if url == chain.url() {
			chain
		} else {
			match Chain::connect(url).await {
				Ok(node) => {
					connected = node;
					&connected
				},
				Err(error) => {
					reasons.push(format!("{url}: {error:#}"));
					continue;
				},
			}
		};
		match download(node, read, output).await {
			Ok(body) => return Ok(body),
			Err(error) => reasons.push(format!("{url}: {error:#}")),
		}
	}
	bail!("no node of the custodian hospital served the body ({})", reasons.join("; "))
}

/// Reads a whole body from `custodian_node`, a node of the record's
/// custodian, as a grantee through `read.request` or as the patient of
/// `read.record`, and checks it against the record's hash.
pub async fn download(custodian_node: &Chain, read: &BodyRead<'_>, output: Output) -> Result<Vec<u8>> {
	let BodyRead { reader, ref custodian, request, record, expected, size } = *read;
	let genesis = custodian_node.genesis();
	let bar = output.bytes(size, "downloading");
	let mut body = Vec::with_capacity(size as usize);
	loop {
		let signed = BlobRead::signed(
			genesis,
			custodian.clone(),
			request,
			record,
			body.len() as u64,
			CHUNK as u32,
			now_ms(),
			reader,
		);
		let chunk = custodian_node.ehr(|rpc| rpc.get_blob(signed)).await?;
		if chunk.body_hash != expected {
			bail!("the custodian serves a body whose hash is not the record's; report it to the hospital");
		}
		body.extend_from_slice(&chunk.data);
		bar.set_position(body.len() as u64);
		if body.len() as u64 >= chunk.total_size || chunk.data.is_empty() {
			break;
		}
	}
	bar.finish_and_clear();
	if H256(sp_crypto_hashing::blake2_256(&body)) != expected {
		bail!("the body read does not match the record's hash; try the fetch again");
	}
	Ok(body)
}
