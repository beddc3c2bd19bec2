// SPDX-License-Identifier: GPL-3.0-only
//
// Reading a record's body from its custodian's node, as the `ehr` client
// does (client/src/blobs.rs): the custodian found from the endpoints its
// hospital publishes on chain, then the node the page is connected to; the
// body read as plain bytes from the node's HTTP body server (one signed
// read in a header, the range it signs in a standard `Range` header) when
// `ehr_status` reports one, else through `ehr_getBlob` (4 MiB per call, hex
// in JSON). The assembled ciphertext
// must hash (blake2-256) to the record's `body_hash` before it is opened
// with the body key from the envelope (XChaCha20-Poly1305, nonce first).

import { WsProvider } from '@polkadot/api';
import { compactAddLength, hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a, decodeAddress } from '@polkadot/util-crypto';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { endpointsOf, timeout } from './chain.js';
import { sign } from './account.js';
import { UserError } from './errors.js';

/** What the reader signs: primitives/src/access.rs, `BLOB_READ_CONTEXT`. */
const BLOB_READ_CONTEXT = 'ehr-chain:get-blob:v2';
/** The most one `ehr_getBlob` returns (rpc-api/src/lib.rs). */
const CHUNK = 4 * 1024 * 1024;
/** The node's HTTP body server: rpc-api/src/lib.rs, `http`. */
const BODY_PATH = '/body';
const READ_HEADER = 'x-ehr-read';

/**
 * The SCALE message of a signed read (`blob_read_message`): the context as
 * a byte vector, the genesis hash, the custodian, the optional request and
 * record ids, the offset, the length and the time.
 */
function readMessage(api, { custodian, request, record, offset, length, timestampMs }) {
	const option = (id) => (id === null ? new Uint8Array([0]) : u8aConcat([1], api.createType('u64', id).toU8a()));
	return u8aConcat(
		compactAddLength(new TextEncoder().encode(BLOB_READ_CONTEXT)),
		api.genesisHash.toU8a(),
		decodeAddress(custodian),
		option(request),
		option(record),
		api.createType('u64', offset).toU8a(),
		api.createType('u32', length).toU8a(),
		api.createType('u64', timestampMs).toU8a(),
	);
}

/** The signed read's JSON, as the node takes it (`BlobRead`). */
function signedRead(api, pair, signer, read) {
	// Ids travel as JSON numbers (every id is far below 2^53).
	const id = (value) => (value === null ? null : Number(value));
	return {
		custodian: read.custodian,
		request: id(read.request),
		record: id(read.record),
		offset: read.offset,
		length: read.length,
		signer,
		timestampMs: read.timestampMs,
		signature: u8aToHex(sign(pair, readMessage(api, read))),
	};
}

/** The HTTP body server of the node at `url`, from its `ehr_status`, or null. */
async function httpBase(provider, url) {
	try {
		const status = await provider.send('ehr_status', []);
		if (!status.httpPort) return null;
		const base = new URL(url);
		base.protocol = base.protocol === 'wss:' ? 'https:' : 'http:';
		base.port = String(status.httpPort);
		base.pathname = BODY_PATH;
		return base.toString();
	} catch {
		return null;
	}
}

/** The body over HTTP, streamed into one buffer with progress. */
async function readOverHttp(api, base, pair, signer, read, progress) {
	const headers = { [READ_HEADER]: JSON.stringify(signedRead(api, pair, signer, read)) };
	// The whole body is asked for without a Range (the read signs offset 0
	// and the body's size); a part, with the Range the read signs.
	const whole = read.offset === 0 && read.length === read.total;
	if (!whole && read.length > 0) headers.range = `bytes=${read.offset}-${read.offset + read.length - 1}`;
	const response = await fetch(base, { headers, cache: 'no-store' });
	if (!response.ok) {
		const error = await response.json().catch(() => ({}));
		throw new UserError(`The custodian's node refused the read: ${error.message ?? `HTTP ${response.status}`}.`);
	}
	const body = new Uint8Array(read.length);
	let at = 0;
	const reader = response.body.getReader();
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		if (at + value.length > body.length) throw new UserError('The custodian sent more than the record holds; try again.');
		body.set(value, at);
		at += value.length;
		progress(at, read.length);
	}
	if (at !== body.length) throw new UserError('The custodian\'s answer ended early; try again.');
	return body;
}

/** The body through `ehr_getBlob`, 4 MiB per call. */
async function readOverRpc(api, provider, pair, signer, read, progress) {
	const parts = [];
	let offset = 0;
	const total = read.length;
	while (offset < total || (total === 0 && parts.length === 0)) {
		const length = Math.min(CHUNK, total - offset);
		const chunk = await provider.send('ehr_getBlob', [signedRead(api, pair, signer, { ...read, offset, length, timestampMs: Date.now() })]);
		const data = hexToU8a(chunk.data);
		if (chunk.offset !== offset || (data.length === 0 && offset < total)) throw new UserError('The custodian answered with the wrong part of the body; try again.');
		parts.push(data);
		offset += data.length;
		progress(offset, total);
		if (total === 0) break;
	}
	const blob = new Uint8Array(offset);
	let at = 0;
	for (const part of parts) {
		blob.set(part, at);
		at += part.length;
	}
	return blob;
}

/**
 * The plaintext body of the patient's own `record` ({id, record} from
 * chain), read from its custodian with the account `pair` and opened with
 * the envelope's body key. `progress(done, total)` follows the download.
 */
export async function fetchOwnBody(api, endpoint, pair, signer, { id, record }, envelope, progress = () => {}) {
	const custodian = record.custodian.toString();
	const endpoints = [...(await endpointsOf(api, custodian)).filter((url) => url !== endpoint), endpoint];
	let lastError = null;
	for (const url of endpoints) {
		const provider = new WsProvider(url, false);
		try {
			await timeout(provider.connect(), 10_000, `The custodian's node at ${url} does not answer.`);
			await provider.isReady;
			const total = record.bodySize.toNumber();
			const read = { custodian, request: null, record: id, offset: 0, length: total, total, timestampMs: Date.now() };
			const base = await httpBase(provider, url);
			let blob = null;
			if (base) {
				try {
					blob = await readOverHttp(api, base, pair, signer, read, progress);
				} catch (error) {
					// A node whose HTTP port cannot be reached is read over JSON-RPC.
					if (error instanceof UserError) throw error;
					console.warn(`The HTTP body server at ${base} cannot be reached (${error}); reading over JSON-RPC.`);
				}
			}
			if (!blob) blob = await readOverRpc(api, provider, pair, signer, read, progress);
			if (u8aToHex(blake2AsU8a(blob, 256)) !== record.bodyHash.toHex()) {
				throw new UserError("The body the custodian sent does not match the record's hash on chain; it was not opened.");
			}
			return openBody(blob, envelope);
		} catch (error) {
			lastError = error;
		} finally {
			await provider.disconnect().catch(() => {});
		}
	}
	if (lastError instanceof UserError) throw lastError;
	const text = String(lastError?.message ?? lastError);
	throw new UserError(`The custodian's node refused or could not be reached (${text}); try again later.`);
}

/** Opens a stored body (`nonce || ciphertext`) with the envelope's key. */
export function openBody(blob, envelope) {
	if (typeof envelope.bodyKey !== 'string' || !/^[0-9a-f]{64}$/i.test(envelope.bodyKey)) {
		throw new UserError("The record's envelope holds no valid body key.");
	}
	if (blob.length < 24) throw new UserError("The body is shorter than its nonce; the custodian's copy is damaged.");
	try {
		return xchacha20poly1305(hexToU8a(`0x${envelope.bodyKey}`), blob.subarray(0, 24)).decrypt(blob.subarray(24));
	} catch {
		throw new UserError("The body does not open with the record's key; the custodian's copy is damaged.");
	}
}
