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
/// own node: `ehr_putBlob` is an unsafe RPC method). Returns its hash.
pub async fn upload(chain: &Chain, blob: &[u8], output: Output) -> Result<H256> {
	let hash = H256(sp_crypto_hashing::blake2_256(blob));
	let bar = output.bytes(blob.len() as u64, "uploading");
	let mut offset = 0usize;
	loop {
		let end = (offset + CHUNK).min(blob.len());
		let chunk = sp_core::Bytes(blob[offset..end].to_vec());
		let reply = chain
			.ehr(|rpc| rpc.put_blob(hash, blob.len() as u64, offset as u64, chunk))
			.await
			.map_err(|e| anyhow!("{e}; uploads need the hospital's own node with --rpc-methods unsafe"))?;
		bar.set_position(reply.next_offset);
		if reply.complete {
			bar.finish_and_clear();
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

/// [`download`] from the first of `endpoints` (see [`custodian_endpoints`])
/// that serves the whole body: one that cannot be reached, or that refuses
/// (another hospital's node answers that it is not the custodian), is
/// skipped for the next. `chain` is reused for its own URL. Fails with every
/// endpoint's reason when none serves the body.
#[allow(clippy::too_many_arguments)]
pub async fn download_from_custodian(
	chain: &Chain,
	endpoints: &[String],
	reader: &sr25519::Pair,
	custodian: sp_core::crypto::AccountId32,
	request: Option<u64>,
	record: Option<u64>,
	expected: H256,
	size: u64,
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
		match download(node, reader, custodian.clone(), request, record, expected, size, output).await {
			Ok(body) => return Ok(body),
			Err(error) => reasons.push(format!("{url}: {error:#}")),
		}
	}
	bail!("no node of the custodian hospital served the body ({})", reasons.join("; "))
}

/// Reads a whole body from the node of hospital `custodian` (the record's
/// custodian, which the signed reads name), as a grantee through `request`
/// or as the patient of `record`, and checks it against `expected`.
#[allow(clippy::too_many_arguments)]
pub async fn download(
	custodian_node: &Chain,
	reader: &sr25519::Pair,
	custodian: sp_core::crypto::AccountId32,
	request: Option<u64>,
	record: Option<u64>,
	expected: H256,
	size: u64,
	output: Output,
) -> Result<Vec<u8>> {
	let genesis = custodian_node.genesis();
	let bar = output.bytes(size, "downloading");
	let mut body = Vec::with_capacity(size as usize);
	loop {
		let read = BlobRead::signed(
			genesis,
			custodian.clone(),
			request,
			record,
			body.len() as u64,
			CHUNK as u32,
			now_ms(),
			reader,
		);
		let chunk = custodian_node.ehr(|rpc| rpc.get_blob(read)).await?;
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
