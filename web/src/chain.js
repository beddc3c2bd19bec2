// SPDX-License-Identifier: GPL-3.0-only
//
// The chain as the page sees it, through @polkadot/api with no type
// definitions: every type comes from the runtime's metadata and the
// EhrApi / ConsortiumApi runtime APIs (docs/polkadot-js.md).

import { ApiPromise, WsProvider } from '@polkadot/api';
import { u8aToString } from '@polkadot/util';
import { UserError } from './errors.js';

/** How long connecting to a node may take before the page gives up. */
const CONNECT_TIMEOUT_MS = 15_000;
/** The largest page the runtime API returns. */
const MAX_PAGE = 256;

/** `promise`, or a UserError saying `message` if it takes over `ms`. */
export function timeout(promise, ms, message) {
	let timer;
	return Promise.race([
		promise,
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new UserError(message)), ms);
		}),
	]).finally(() => clearTimeout(timer));
}

/** Connects to a hospital node's JSON-RPC WebSocket endpoint. */
export async function connect(endpoint) {
	if (!/^wss?:\/\/[^\s/?#]+(\/[^\s?#]*)?$/.test(endpoint)) {
		throw new UserError('The endpoint must be a ws:// or wss:// address, such as ws://127.0.0.1:9944.');
	}
	const provider = new WsProvider(endpoint, false);
	try {
		await timeout(provider.connect(), CONNECT_TIMEOUT_MS, `The node at ${endpoint} does not answer; check the address and that the node is running.`);
		const api = await timeout(
			ApiPromise.create({ provider, throwOnConnect: true, noInitWarn: true }),
			CONNECT_TIMEOUT_MS,
			`The node at ${endpoint} does not answer; check the address and that the node is running.`,
		);
		if (!api.call.ehrApi) throw new UserError(`The node at ${endpoint} is not an ehr-chain node (it has no EhrApi).`);
		return api;
	} catch (error) {
		await provider.disconnect().catch(() => {});
		if (error instanceof UserError) throw error;
		throw new UserError(`The node at ${endpoint} cannot be reached; check the address and that the node is running.`);
	}
}

/** Every page of a paged runtime API call, concatenated. */
async function allPages(call) {
	const all = [];
	for (let page = 0; ; page++) {
		const part = await call(page, MAX_PAGE);
		all.push(...part);
		if (part.length < MAX_PAGE) return all;
	}
}

/**
 * Every entry of a runtime API call paged by id (`after`, `limit`, answering
 * `{ items, nextAfter }`): asks for the page after each page's `nextAfter`
 * until there is none. The runtime orders entries by a hash of the id, so
 * callers sort what they get.
 */
async function allAfter(call) {
	const all = [];
	for (let after = null; ; ) {
		const page = await call(after, MAX_PAGE);
		all.push(...page.items);
		if (page.nextAfter.isNone) return all;
		after = page.nextAfter.unwrap();
	}
}

/** The member hospitals' names by account (SS58 → name). */
export async function hospitalNames(api) {
	const names = new Map();
	for (const [account, profile] of await api.call.consortiumApi.hospitals()) {
		if (profile.isSome) names.set(account.toString(), u8aToString(profile.unwrap().name));
	}
	return names;
}

/** The patient's registration, or null. */
export async function patientInfo(api, account) {
	const info = await api.call.ehrApi.patient(account);
	return info.isSome ? info.unwrap() : null;
}

/** Every record of the patient, newest first: `[{ id, record }]`. */
export async function recordsOf(api, patient) {
	const all = await allPages((page, size) => api.call.ehrApi.recordsOfPatient(patient, page, size));
	return all.map(([id, record]) => ({ id: id.toBigInt(), record })).sort((a, b) => (a.id < b.id ? 1 : -1));
}

/**
 * How long a retired record stays restorable: the governed retirement grace
 * in blocks, and the best block number, `{ grace, best }`.
 */
export async function retirementClock(api) {
	const [parameters, header] = await Promise.all([api.call.ehrApi.parameters(), api.rpc.chain.getHeader()]);
	return { grace: parameters.retirementGrace.toNumber(), best: header.number.toNumber() };
}

/**
 * The account that stands for the consortium in audit entries of the
 * members' decisions (ehr-primitives' CONSORTIUM_ACCOUNT: `modl`, then
 * `ehr/cnsm`, zero-padded to 32 bytes).
 */
export const CONSORTIUM_ACCOUNT = (() => {
	const bytes = new Uint8Array(32);
	bytes.set(new TextEncoder().encode('modlehr/cnsm'));
	return bytes;
})();

/** The patient's grants, newest first: `[{ id, grant }]`. */
export async function grantsOf(api, patient) {
	const all = await allAfter((after, size) => api.call.ehrApi.grantsOfPatient(patient, after, size));
	return all.map(([id, grant]) => ({ id: id.toBigInt(), grant })).sort((a, b) => (a.id < b.id ? 1 : -1));
}

/** How many entries the patient's audit log has. */
export async function auditLength(api, patient) {
	return (await api.call.ehrApi.auditLogLen(patient)).toNumber();
}

/** Entries `from..to` (zero-based, `to` excluded) of the patient's audit log. */
export async function auditEntries(api, patient, from, to) {
	const size = MAX_PAGE;
	const entries = [];
	for (let page = Math.floor(from / size); page * size < to; page++) {
		const part = await api.call.ehrApi.auditLog(patient, page, size);
		part.forEach((entry, i) => {
			const index = page * size + i;
			if (index >= from && index < to) entries.push({ index, entry });
		});
		if (part.length < size) break;
	}
	return entries;
}

/** Registered providers (clinicians): `[{ account, info }]`. */
export async function providers(api) {
	const entries = await api.query.ehr.providers.entries();
	return entries.map(([key, info]) => ({ account: key.args[0].toString(), info: info.unwrap() }));
}

/** Hospitals that registered a proxy: `[{ hospital, publicKey }]`. */
export async function proxies(api) {
	return (await api.call.ehrApi.proxies()).map(([hospital, info]) => ({ hospital: hospital.toString(), publicKey: info.publicKey.toU8a(true) }));
}

/** The public RPC endpoints a hospital published. */
export async function endpointsOf(api, hospital) {
	return (await api.call.consortiumApi.endpoints(hospital)).map((url) => u8aToString(url));
}

/** Milliseconds per block: twice the timestamp pallet's minimum period. */
export const blockMillis = (api) => Math.max(1, api.consts.timestamp.minimumPeriod.toNumber() * 2);

/** The block time of block `number` (from its `timestamp.set`), as a Date. */
const blockTimes = new Map();
export async function blockTime(api, number) {
	if (blockTimes.has(number)) return blockTimes.get(number);
	const hash = await api.rpc.chain.getBlockHash(number);
	const block = await api.rpc.chain.getBlock(hash);
	const set = block.block.extrinsics.find((ex) => ex.method.section === 'timestamp' && ex.method.method === 'set');
	const time = set ? new Date(Number(set.method.args[0].toString())) : null;
	blockTimes.set(number, time);
	return time;
}

/** The plain sentence for a failed dispatch: the error's own documentation. */
function dispatchSentence(api, dispatchError) {
	if (dispatchError.isModule) {
		const meta = api.registry.findMetaError(dispatchError.asModule);
		const docs = meta.docs.join(' ').trim();
		return `The chain refused it (${meta.section}.${meta.name})${docs ? `: ${docs}` : '.'}`;
	}
	return `The chain refused it: ${dispatchError.toString()}.`;
}

/**
 * Signs `tx` as `address` with the extension's `signer`, submits it and
 * waits until it is in a block: the block's events of it. `progress` is
 * told each stage. Refusals become one sentence.
 */
export function submit(api, tx, address, signer, progress = () => {}) {
	return new Promise((resolve, reject) => {
		progress('Waiting for your signature in the extension…');
		let unsubscribe = () => {};
		tx.signAndSend(address, { signer }, ({ status, events, dispatchError }) => {
			if (status.isReady || status.isBroadcast) progress('Sent; waiting for a block…');
			if (status.isInBlock || status.isFinalized) {
				unsubscribe();
				if (dispatchError) reject(new UserError(dispatchSentence(api, dispatchError)));
				else resolve(events);
			} else if (status.isDropped || status.isInvalid || status.isUsurped) {
				unsubscribe();
				reject(new UserError(`The transaction was ${status.type.toLowerCase()} by the node; try again.`));
			}
		})
			.then((u) => {
				unsubscribe = u;
			})
			.catch(reject);
	});
}
