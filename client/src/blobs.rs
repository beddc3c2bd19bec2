//! Record bodies on the custodian's node: chunked uploads (the hospital's
//! own node) and signed, ranged reads.
//!
//! Bodies travel as plain bytes over the node's HTTP body server when it
//! runs (`ehr_status` gives its port: `PUT`/`GET /body`, docs/rpc.md,
//! "Bodies over HTTP"), and through the JSON-RPC methods otherwise
//! (`ehr_putBlob`, `ehr_getBlob`: hex in JSON, 4 MiB per call). A node whose
//! HTTP port cannot be reached (behind a proxy that forwards only RPC, say)
//! is read through JSON-RPC.

use crate::{
	chain::{BodyServer, Chain},
	output::Output,
};
use anyhow::{anyhow, bail, Result};
use ehr_rpc_api::{http as paths, BlobRead, EhrRpcApiClient};
use sp_core::{sr25519, H256};
use std::time::{SystemTime, UNIX_EPOCH};

/// Bytes per JSON-RPC upload chunk and per JSON-RPC read.
pub const CHUNK: usize = 1 << 20;
/// Bytes per HTTP upload request (each resumable where the last stopped).
pub const HTTP_UPLOAD_CHUNK: usize = 16 << 20;
/// Bytes per HTTP read (one signed range; bodies are read whole below it).
pub const HTTP_READ_RANGE: u64 = 1 << 30;

/// The node's refusal of an HTTP request, as its sentence.
async fn refusal(response: reqwest::Response) -> anyhow::Error {
	let status = response.status();
	match response.json::<serde_json::Value>().await {
		Ok(error) => {
			anyhow!("{} (code {}, HTTP {status})", error["message"].as_str().unwrap_or("refused"), error["code"])
		},
		Err(_) => anyhow!("the node answered HTTP {status}"),
	}
}

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
	if let Some(server) = chain.body_server().await {
		match put_http(server, hash, blob, &progress).await {
			Ok(()) => return Ok(hash),
			// The node's HTTP port is not reachable from here: JSON-RPC.
			Err(error) if is_unreachable(&error) => {},
			Err(error) => return Err(error),
		}
	}
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

/// Uploads `blob` with hash `hash` to the node's HTTP body server, in
/// resumable `PUT`s of [`HTTP_UPLOAD_CHUNK`] bytes.
async fn put_http(server: &BodyServer, hash: H256, blob: &[u8], progress: &impl Fn(u64)) -> Result<()> {
	let client = &server.client;
	let url = format!("{}/{hash:?}", server.url);
	let total = blob.len();
	let mut offset = 0usize;
	loop {
		let end = (offset + HTTP_UPLOAD_CHUNK).min(total);
		let response = client
			.put(&url)
			.header("content-range", format!("bytes {offset}-{}/{total}", end.max(1) - 1))
			.body(blob[offset..end].to_vec())
			.send()
			.await?;
		if !response.status().is_success() {
			return Err(refusal(response).await.context("uploads need the hospital's own node"));
		}
		let reply: serde_json::Value = response.json().await?;
		let next = reply["nextOffset"].as_u64().ok_or_else(|| anyhow!("the node's answer has no nextOffset"))?;
		progress(next);
		if reply["complete"].as_bool() == Some(true) {
			return Ok(());
		}
		if next as usize <= offset {
			bail!("the node did not accept the upload at byte {offset}; try again");
		}
		offset = next as usize;
	}
}

/// Whether `error` is a failure to reach the server at all (as opposed to
/// an answer refusing the request).
fn is_unreachable(error: &anyhow::Error) -> bool {
	error.downcast_ref::<reqwest::Error>().is_some_and(|e| e.is_connect() || e.is_timeout())
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
	let bar = output.bytes(read.size, "downloading");
	let mut body = Vec::with_capacity(read.size as usize);
	let mut over_http = false;
	if let Some(server) = custodian_node.body_server().await {
		match download_http(server, custodian_node.genesis(), read, &mut body, &bar).await {
			Ok(()) => over_http = true,
			Err(error) if is_unreachable(&error) => body.clear(),
			Err(error) => return Err(error),
		}
	}
	if !over_http {
		download_rpc(custodian_node, read, &mut body, &bar).await?;
	}
	bar.finish_and_clear();
	if H256(sp_crypto_hashing::blake2_256(&body)) != read.expected {
		bail!("the body read does not match the record's hash; try the fetch again");
	}
	Ok(body)
}

/// Reads the body from the node's HTTP body server into `body`: one
/// signed range per [`HTTP_READ_RANGE`] bytes, streamed.
async fn download_http(
	server: &BodyServer,
	genesis: H256,
	read: &BodyRead<'_>,
	body: &mut Vec<u8>,
	bar: &indicatif::ProgressBar,
) -> Result<()> {
	let BodyRead { reader, ref custodian, request, record, expected, size } = *read;
	while (body.len() as u64) < size || (size == 0 && body.is_empty()) {
		let offset = body.len() as u64;
		let length = (size - offset).min(HTTP_READ_RANGE);
		let signed =
			BlobRead::signed(genesis, custodian.clone(), request, record, offset, length as u32, now_ms(), reader);
		let mut request =
			server.client.get(server.url.clone()).header(paths::READ_HEADER, serde_json::to_string(&signed)?);
		if size > 0 {
			request = request.header("range", format!("bytes={offset}-{}", offset + length - 1));
		}
		let mut response = request.send().await?;
		if !response.status().is_success() {
			return Err(refusal(response).await);
		}
		let served = response.headers().get(paths::BODY_HASH_HEADER).and_then(|h| h.to_str().ok()).map(str::to_owned);
		if served.as_deref() != Some(&format!("{expected:?}")) {
			bail!("the custodian serves a body whose hash is not the record's; report it to the hospital");
		}
		while let Some(chunk) = response.chunk().await? {
			if body.len() as u64 + chunk.len() as u64 > offset + length {
				bail!("the custodian sent more bytes than the range asked for; try again");
			}
			body.extend_from_slice(&chunk);
			bar.set_position(body.len() as u64);
		}
		if body.len() as u64 != offset + length {
			bail!("the custodian's answer ended at byte {} of {}; try again", body.len(), offset + length);
		}
		if size == 0 {
			break;
		}
	}
	Ok(())
}

/// Reads the body through `ehr_getBlob` into `body`, [`CHUNK`] bytes a call.
async fn download_rpc(
	custodian_node: &Chain,
	read: &BodyRead<'_>,
	body: &mut Vec<u8>,
	bar: &indicatif::ProgressBar,
) -> Result<()> {
	let BodyRead { reader, ref custodian, request, record, expected, .. } = *read;
	let genesis = custodian_node.genesis();
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
	Ok(())
}
