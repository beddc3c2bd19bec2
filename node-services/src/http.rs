//! The node's HTTP body server: record bodies as plain bytes, on a port of
//! their own (`--ehr-http-port`), beside the JSON-RPC server that carries
//! them hex-encoded in JSON (`ehr_getBlob`, `ehr_putBlob`).
//!
//! - `GET /body`: the signed read (`ehr_rpc_api::BlobRead`, JSON) in the
//!   `x-ehr-read` header, and the bytes it signs in a standard `Range`
//!   header (`bytes=OFFSET-LAST`; no `Range` reads the whole body and signs
//!   offset 0 and its size). Authorization, the replay guard, the reads in
//!   progress and the audit-trail submission are the JSON-RPC handler's
//!   own ([`EhrRpc`]: one state for both servers), so a signature is used
//!   once whichever server sees it, and nothing is served before the read
//!   is on its way to the patient's audit log. The body is checked against
//!   its hash, then streamed from its file: memory does not grow with its
//!   size.
//! - `PUT /body/0x<HASH>`: a hospital system uploads a body as a stream
//!   (`Content-Length` its size, or `Content-Range: bytes START-END/SIZE`
//!   to resume). Taken only where the node serves unsafe RPC methods, as
//!   `ehr_putBlob`; the blob store checks the hash before the upload is
//!   acknowledged and never shows a half-written body.
//!
//! Errors answer the HTTP status of the `EhrRpcError` with the JSON-RPC
//! error object as body (`{"code": 1011, "message": "…"}`). Reads are
//! signed, so any origin may ask (CORS `*`): the patient portal reads
//! bodies from custodians' nodes this way.

use crate::{
	blob_store::{BlobError, PutProgress},
	body_storage::ByteStream,
	rpc::{now_ms, EhrRpc, ReadSlot},
};
use ehr_primitives::EhrApi;
use ehr_rpc_api::{http as paths, BlobRead, EhrRpcError};
use ehr_runtime::{opaque::Block, AccountId, BlockNumber};
use futures::{Stream, StreamExt};
use http_body_util::{combinators::UnsyncBoxBody, BodyExt, Full, StreamBody};
use hyper::{
	body::{Bytes, Frame, Incoming},
	header::{self, HeaderMap, HeaderValue},
	service::service_fn,
	Method, Request, Response, StatusCode,
};
use hyper_util::rt::TokioIo;
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_core::H256;
use std::{io, ops::RangeInclusive, sync::Arc};
use tokio::net::TcpListener;

/// Bytes an upload buffers before it hands them to the blob store.
pub const UPLOAD_CHUNK: usize = 1 << 20;
/// Connections the server holds at once; more are closed on arrival, so
/// nobody can use up the node's file descriptors (which its peer-to-peer
/// and RPC connections need) by opening connections to this port.
pub const MAX_CONNECTIONS: usize = 256;
/// How long a connection may take to send a request's headers (and may
/// stay idle between requests) before it is closed.
pub const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);
/// A response body: whole bytes or a stream from the body storage.
type Body = UnsyncBoxBody<Bytes, io::Error>;

/// The HTTP body server of one node.
pub struct BodyServer<C> {
	rpc: EhrRpc<C>,
	/// Whether `PUT` is taken (the node serves unsafe RPC methods here).
	uploads: bool,
	/// Places for connections ([`MAX_CONNECTIONS`]).
	connections: Arc<tokio::sync::Semaphore>,
	/// [`HEADER_TIMEOUT`], shorter in tests.
	header_timeout: std::time::Duration,
}

impl<C> BodyServer<C>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: EhrApi<Block, AccountId, BlockNumber>,
{
	/// A server sharing `rpc`'s state; `uploads` says whether it takes `PUT`.
	pub fn new(rpc: EhrRpc<C>, uploads: bool) -> Arc<Self> {
		Self::with_limits(rpc, uploads, MAX_CONNECTIONS, HEADER_TIMEOUT)
	}

	/// [`Self::new`] holding at most `connections` connections, each closed
	/// when it sends no request headers for `header_timeout`.
	pub fn with_limits(
		rpc: EhrRpc<C>,
		uploads: bool,
		connections: usize,
		header_timeout: std::time::Duration,
	) -> Arc<Self> {
		Arc::new(BodyServer {
			rpc,
			uploads,
			connections: Arc::new(tokio::sync::Semaphore::new(connections)),
			header_timeout,
		})
	}

	/// Serves connections from `listener` until the node stops.
	pub async fn serve(self: Arc<Self>, listener: TcpListener) {
		loop {
			let (stream, peer) = match listener.accept().await {
				Ok(accepted) => accepted,
				Err(error) => {
					log::warn!(target: "ehr-http", "cannot accept a connection: {error}");
					futures_timer::Delay::new(std::time::Duration::from_millis(100)).await;
					continue;
				},
			};
			let Ok(place) = self.connections.clone().try_acquire_owned() else {
				log::debug!(target: "ehr-http", "closing a connection from {peer}: {MAX_CONNECTIONS} are open");
				drop(stream);
				continue;
			};
			let server = self.clone();
			tokio::spawn(async move {
				let _place = place;
				let timeout = server.header_timeout;
				let service = service_fn(move |request| {
					let server = server.clone();
					async move { Ok::<_, std::convert::Infallible>(server.handle(request).await) }
				});
				let connection = hyper::server::conn::http1::Builder::new()
					.timer(hyper_util::rt::TokioTimer::new())
					.header_read_timeout(timeout)
					.serve_connection(TokioIo::new(stream), service);
				if let Err(error) = connection.await {
					log::debug!(target: "ehr-http", "connection from {peer} ended: {error}");
				}
			});
		}
	}

	async fn handle(&self, request: Request<Incoming>) -> Response<Body> {
		let path = request.uri().path().to_owned();
		let result = match (request.method(), path.as_str()) {
			(&Method::OPTIONS, _) => Ok(preflight()),
			(&Method::GET, paths::BODY_PATH) => self.get(request.headers()).await,
			(&Method::PUT, upload) if upload.starts_with(&format!("{}/", paths::BODY_PATH)) => {
				self.put(&upload[paths::BODY_PATH.len() + 1..], request).await
			},
			_ => Err(EhrRpcError::BadRequest(format!(
				"no such resource: GET {0} reads a body, PUT {0}/0x<hash> uploads one",
				paths::BODY_PATH
			))),
		};
		let mut response = result.unwrap_or_else(|error| self.error(error));
		allow_any_origin(response.headers_mut());
		response
	}

	/// `GET /body`: authorizes the signed read, checks the range it signs,
	/// logs the read and streams the bytes.
	async fn get(&self, headers: &HeaderMap) -> Result<Response<Body>, EhrRpcError> {
		let read = signed_read(headers)?;
		let (body_hash, trail) = self.rpc.authorize(&read, now_ms())?;
		let slot = self.rpc.read_slot(&read.signer)?;
		let size = self.rpc.store().verified_size(&body_hash).await?;
		let range = match headers.get(header::RANGE) {
			Some(value) => Some(one_range(value, size)?),
			None => None,
		};
		let (start, end) = match &range {
			Some(range) => (*range.start(), *range.end()),
			None => (0, size.saturating_sub(1)),
		};
		let length = if size == 0 { 0 } else { end - start + 1 };
		if read.offset != start || u64::from(read.length) != length {
			return Err(EhrRpcError::BadRequest(format!(
				"the signed read covers {} bytes at {}, the request asks for {length} at {start}: sign the range you \
				 ask for (a body over 4 GiB is read in ranges)",
				read.length, read.offset
			)));
		}
		self.rpc.log_read(trail).await?;
		let body = body_stream(self.rpc.store().stream(&body_hash, start, length).await?, slot);
		let mut response = Response::new(BodyExt::boxed_unsync(StreamBody::new(body)));
		if range.is_some() {
			*response.status_mut() = StatusCode::PARTIAL_CONTENT;
		}
		let headers = response.headers_mut();
		headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
		headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
		headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
		headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
		if let Ok(hash) = HeaderValue::from_str(&format!("{body_hash:?}")) {
			headers.insert(paths::BODY_HASH_HEADER, hash);
		}
		if range.is_some() {
			if let Ok(value) = HeaderValue::from_str(&format!("bytes {start}-{end}/{size}")) {
				headers.insert(header::CONTENT_RANGE, value);
			}
		}
		Ok(response)
	}

	/// `PUT /body/0x<HASH>`: streams the upload into the blob store in
	/// chunks of [`UPLOAD_CHUNK`]; answers like `ehr_putBlob`.
	async fn put(&self, hash: &str, request: Request<Incoming>) -> Result<Response<Body>, EhrRpcError> {
		if !self.uploads {
			return Err(EhrRpcError::UploadsNotAllowed);
		}
		let body_hash: H256 = hash
			.parse()
			.map_err(|_| EhrRpcError::BadRequest(format!("`{hash}` is not a body hash: give 0x and 64 hex digits")))?;
		let (start, total) = upload_extent(request.headers())?;
		let store = self.rpc.store().clone();
		if total > store.max_size() {
			return Err(BlobError::TooLarge { size: total, max: store.max_size() }.into());
		}
		let mut body = request.into_body();
		let mut offset = start;
		let mut buffer = Vec::with_capacity(UPLOAD_CHUNK);
		let mut progress = PutProgress::Partial { next_offset: start };
		loop {
			let frame = body.frame().await;
			let end = frame.is_none();
			if let Some(frame) = frame {
				let frame = frame.map_err(|e| EhrRpcError::BadRequest(format!("the upload broke off: {e}")))?;
				if let Ok(data) = frame.into_data() {
					buffer.extend_from_slice(&data);
				}
			}
			// The last call may carry nothing (an empty body, or a stream
			// that ended short): the store then answers where it stands.
			if buffer.len() >= UPLOAD_CHUNK || end {
				let chunk = std::mem::replace(&mut buffer, Vec::with_capacity(UPLOAD_CHUNK));
				let length = chunk.len() as u64;
				progress = store.put_chunk(body_hash, total, offset, chunk).await?;
				offset = offset.saturating_add(length);
				if matches!(progress, PutProgress::Complete) {
					break;
				}
			}
			if end {
				break;
			}
		}
		let (status, complete, next_offset) = match progress {
			PutProgress::Complete => (StatusCode::CREATED, true, total),
			PutProgress::Partial { next_offset } => (StatusCode::ACCEPTED, false, next_offset),
		};
		let answer = serde_json::json!({ "complete": complete, "nextOffset": next_offset });
		Ok(json(status, &answer))
	}

	fn error(&self, error: EhrRpcError) -> Response<Body> {
		let status = StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
		let object = self.rpc.count(error);
		json(status, &serde_json::json!({ "code": object.code(), "message": object.message() }))
	}
}

/// The signed read in the request's `x-ehr-read` header.
fn signed_read(headers: &HeaderMap) -> Result<BlobRead, EhrRpcError> {
	let value = headers.get(paths::READ_HEADER).ok_or_else(|| {
		EhrRpcError::BadRequest(format!("the request has no `{}` header with a signed read", paths::READ_HEADER))
	})?;
	serde_json::from_slice(value.as_bytes())
		.map_err(|e| EhrRpcError::BadRequest(format!("the `{}` header is not a signed read ({e})", paths::READ_HEADER)))
}

/// The one range a `Range` header asks for in a body of `size` bytes
/// (`http-range-header` parses and checks it); several ranges are refused.
fn one_range(value: &HeaderValue, size: u64) -> Result<RangeInclusive<u64>, EhrRpcError> {
	let text = value.to_str().map_err(|_| EhrRpcError::BadRange("the Range header is not text".into()))?;
	let ranges = http_range_header::parse_range_header(text)
		.and_then(|parsed| parsed.validate(size))
		.map_err(|e| EhrRpcError::BadRange(format!("the Range `{text}` does not fit a body of {size} bytes ({e})")))?;
	match <[RangeInclusive<u64>; 1]>::try_from(ranges) {
		Ok([range]) => Ok(range),
		Err(_) => Err(EhrRpcError::BadRange("ask for one range per request".into())),
	}
}

/// Where an upload starts and the body's total size: `Content-Range:
/// bytes START-END/SIZE` to resume, else 0 and `Content-Length`.
fn upload_extent(headers: &HeaderMap) -> Result<(u64, u64), EhrRpcError> {
	let bad = |what: &str| EhrRpcError::BadRequest(format!("{what}; give Content-Length, or Content-Range to resume"));
	if let Some(value) = headers.get(header::CONTENT_RANGE) {
		let text = value.to_str().map_err(|_| bad("the Content-Range header is not text"))?;
		let (range, total) = text
			.strip_prefix("bytes ")
			.and_then(|rest| rest.split_once('/'))
			.ok_or_else(|| bad("the Content-Range is not `bytes START-END/SIZE`"))?;
		let start = range.split_once('-').and_then(|(start, _)| start.parse().ok());
		return match (start, total.parse()) {
			(Some(start), Ok(total)) => Ok((start, total)),
			_ => Err(bad("the Content-Range is not `bytes START-END/SIZE`")),
		};
	}
	let length = headers.get(header::CONTENT_LENGTH).ok_or_else(|| bad("the upload has no Content-Length"))?;
	let total =
		length.to_str().ok().and_then(|t| t.parse().ok()).ok_or_else(|| bad("the Content-Length is not a number"))?;
	Ok((0, total))
}

/// The frames of a body's `pieces`, holding the read's `slot` until the
/// last one is sent or the reader goes away.
fn body_stream(
	pieces: ByteStream,
	slot: ReadSlot,
) -> impl Stream<Item = Result<Frame<Bytes>, io::Error>> + Send + 'static {
	pieces.map(move |chunk| {
		let _held = &slot;
		chunk.map(Frame::data)
	})
}

fn json(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
	let mut response = Response::new(
		Full::new(Bytes::from(value.to_string()))
			.map_err(|never: std::convert::Infallible| match never {})
			.boxed_unsync(),
	);
	*response.status_mut() = status;
	response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
	response
}

/// The answer to a browser's CORS preflight: any origin may send a signed
/// read (it carries its own authorization; no cookies are used).
fn preflight() -> Response<Body> {
	let mut response = Response::new(Full::new(Bytes::new()).map_err(|never| match never {}).boxed_unsync());
	*response.status_mut() = StatusCode::NO_CONTENT;
	let headers = response.headers_mut();
	headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, PUT, OPTIONS"));
	headers.insert(
		header::ACCESS_CONTROL_ALLOW_HEADERS,
		HeaderValue::from_static("range, x-ehr-read, content-type, content-range"),
	);
	headers.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
	response
}

fn allow_any_origin(headers: &mut HeaderMap) {
	headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
	headers.insert(
		header::ACCESS_CONTROL_EXPOSE_HEADERS,
		HeaderValue::from_static("content-range, content-length, x-ehr-body-hash"),
	);
}
