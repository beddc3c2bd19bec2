// SPDX-License-Identifier: GPL-3.0-only
//
// The patient portal: connects to a hospital node, signs with the
// polkadot-js extension, unlocks the patient's `ehr` key file and does the
// Umbral cryptography in the page, so the patient's keys never leave their
// machine. docs/portal.md is the walk-through.

import { web3Accounts, web3Enable, web3FromAddress } from '@polkadot/extension-dapp';
import { compactAddLength, u8aConcat, u8aToHex } from '@polkadot/util';
import { decodeAddress } from '@polkadot/util-crypto';
import { UserError, sentence } from './errors.js';
import { parseKeyFile, sealKeyFile, unlockKeyFile } from './keyfile.js';
import { keysFromSeed, makeSealedKfrags, openEnvelope, seedSize } from './umbral.js';
import { accountFromKeyFile, newAccount, sign } from './account.js';
import * as chain from './chain.js';
import { fetchOwnBody } from './blobs.js';
import { describeResource } from './fhir.js';

/** Records shown per page. */
const PAGE_SIZE = 20;
/** Audit entries loaded at a time. */
const AUDIT_PAGE = 50;

const $ = (id) => document.getElementById(id);
const state = {
	api: null,
	endpoint: '',
	account: null, // SS58 of the patient
	pair: null, // the key file's account pair (signs reads)
	keys: null, // Umbral keys: current first
	signer: null, // the extension's signer
	names: new Map(), // account → hospital name
	nodeAccounts: new Map(), // proxy node account → hospital name
	clinicians: new Map(), // provider account → label
	records: [],
	retirement: { grace: 0, best: 0 }, // the retirement grace and the best block, for retired records
	envelopes: new Map(), // record id → envelope
	recordPage: 0,
	auditLength: 0,
	auditShownFrom: 0,
	unsubscribeHeads: null,
};

// --- Messages and progress ---------------------------------------------------

function show(text, kind = 'error') {
	const box = $('message');
	box.textContent = text;
	box.className = kind;
	box.hidden = false;
	// Counts the messages shown, so a reader (or a test) can tell a new one.
	box.dataset.shown = String(Number(box.dataset.shown ?? 0) + 1);
}
const clearMessage = () => {
	$('message').hidden = true;
};
function progress(text, done, total) {
	$('progress').hidden = !text;
	$('progress-text').textContent = text ?? '';
	const bar = $('progress-bar');
	if (total) {
		bar.max = total;
		bar.value = done;
	} else {
		bar.removeAttribute('value');
	}
}

/** Runs a user action: one plain sentence on failure, progress meanwhile. */
async function act(button, what, action) {
	clearMessage();
	if (button) button.disabled = true;
	progress(what);
	try {
		await action();
	} catch (error) {
		console.debug(error);
		show(sentence(error));
	} finally {
		progress(null);
		if (button) button.disabled = false;
	}
}

// --- Names --------------------------------------------------------------------

const short = (account) => `${account.slice(0, 6)}…${account.slice(-4)}`;
function nameOf(account) {
	if (account === state.account) return 'you';
	if (u8aToHex(decodeAddress(account)) === u8aToHex(chain.CONSORTIUM_ACCOUNT)) return 'the consortium (a members\' vote)';
	if (state.names.has(account)) return state.names.get(account);
	if (state.nodeAccounts.has(account)) return `${state.nodeAccounts.get(account)} (proxy node)`;
	if (state.clinicians.has(account)) return state.clinicians.get(account);
	return short(account);
}
const cell = (text) => {
	const td = document.createElement('td');
	td.textContent = text;
	return td;
};
const row = (...cells) => {
	const tr = document.createElement('tr');
	cells.forEach((c) => tr.append(typeof c === 'string' ? cell(c) : c));
	return tr;
};
const size = (bytes) => (bytes < 1024 ? `${bytes} B` : bytes < 1 << 20 ? `${(bytes / 1024).toFixed(1)} KiB` : `${(bytes / (1 << 20)).toFixed(1)} MiB`);

// --- Connect ------------------------------------------------------------------

async function loadDirectory() {
	const { api } = state;
	state.names = await chain.hospitalNames(api);
	state.nodeAccounts = new Map();
	for (const [hospital, info] of await api.call.ehrApi.proxies()) {
		const name = state.names.get(hospital.toString()) ?? short(hospital.toString());
		info.accounts.forEach((a) => state.nodeAccounts.set(a.toString(), name));
	}
	state.clinicians = new Map();
	for (const { account, info } of await chain.providers(api)) {
		const hospital = info.affiliation.isSome ? state.names.get(info.affiliation.unwrap().toString()) : null;
		state.clinicians.set(account, `Clinician ${short(account)}${hospital ? ` (${hospital})` : ''}`);
	}
}

async function connect() {
	const endpoint = $('endpoint').value.trim();
	if (state.api) {
		state.unsubscribeHeads?.();
		await state.api.disconnect().catch(() => {});
		state.api = null;
	}
	state.api = await chain.connect(endpoint);
	state.endpoint = endpoint;
	const [name, head] = [await state.api.rpc.system.chain(), await state.api.rpc.chain.getHeader()];
	$('status').textContent = `Connected to ${name} at ${endpoint} · block #${head.number.toNumber()}`;
	await loadDirectory();
	state.unsubscribeHeads = await state.api.rpc.chain.subscribeNewHeads((header) => {
		$('status').textContent = `Connected to ${name} at ${endpoint} · block #${header.number.toNumber()}`;
		if (state.keys) refreshAudit().catch((error) => show(sentence(error)));
	});
	const extensions = await web3Enable('ehr-chain patient portal');
	if (extensions.length === 0) {
		throw new UserError('No polkadot-js extension answered; install it (or allow this page in it) and connect again.');
	}
	const accounts = await web3Accounts();
	const select = $('account');
	select.replaceChildren(...accounts.map((a) => new Option(`${a.meta.name ?? 'account'} · ${a.address}`, a.address)));
	if (accounts.length === 0) throw new UserError('The extension has no account; add your account to it (from your 12 words or JSON file) and connect again.');
	$('unlock-section').hidden = false;
}

// --- Unlock and create --------------------------------------------------------

async function unlock() {
	const file = $('key-file').files[0];
	if (!file) throw new UserError('Choose your key file (key.json) first.');
	const keyFile = parseKeyFile(await file.text());
	const selected = $('account').value;
	const same = (a, b) => u8aToHex(decodeAddress(a)) === u8aToHex(decodeAddress(b));
	if (!same(keyFile.account, selected)) {
		throw new UserError(`This key file is for account ${keyFile.account}, not the account chosen in the extension; choose the matching account or key file.`);
	}
	progress('Unlocking the key file…');
	const secrets = await unlockKeyFile(keyFile, $('passphrase').value);
	const pair = accountFromKeyFile(secrets.accountSecret, keyFile.account);
	const current = keysFromSeed(secrets.umbralSeed);
	if (u8aToHex(current.publicKey, -1, false) !== keyFile.publicKey) throw new UserError('The public keys in the key file do not match its secrets; the file was altered.');
	const patient = await chain.patientInfo(state.api, selected);
	if (!patient) throw new UserError('This account is not registered as a patient on this chain; ask a hospital to register you.');
	if (u8aToHex(patient.publicKey.toU8a(true)) !== u8aToHex(current.publicKey)) {
		throw new UserError('The chain has other keys for this account (they were rotated); use your newest key file.');
	}
	state.account = state.api.createType('AccountId32', selected).toString();
	state.pair = pair;
	state.keys = [current, ...secrets.previousUmbralSeeds.slice().reverse().map(keysFromSeed)];
	state.signer = (await web3FromAddress(selected)).signer;
	$('tabs').hidden = false;
	$('passphrase').value = '';
	// Signed in: the setup steps make way for the records.
	$('connect-section').hidden = true;
	$('unlock-section').hidden = true;
	$('who').textContent = `Patient ${short(state.account)}`;
	$('who').hidden = false;
	await openTab('records');
}

async function createKeys() {
	const passphrase = $('new-passphrase').value;
	if (passphrase !== $('new-passphrase-again').value) throw new UserError('The passphrases differ; type them again.');
	progress('Making your keys…');
	const account = newAccount();
	const seed = crypto.getRandomValues(new Uint8Array(seedSize()));
	const umbralKeys = keysFromSeed(seed);
	const accountAddress = state.api.createType('AccountId32', account.pair.publicKey).toString();
	const publicParts = {
		account: accountAddress,
		publicKey: u8aToHex(umbralKeys.publicKey, -1, false),
		verifyingKey: u8aToHex(umbralKeys.verifyingKey, -1, false),
	};
	const keyFile = await sealKeyFile(publicParts, { accountSecret: account.secret, umbralSeed: seed }, passphrase);
	// The registration file `ehr keys export-public` writes: the proofs that
	// these keys are the account's own, signatures over `KeyOwnership`'s
	// payload (docs/protocol.md): the context, then SCALE of the genesis
	// hash, the account, the public key and the optional verifying key.
	const proof = (verifyingKey) => {
		const statement = u8aConcat(
			new TextEncoder().encode('ehr-chain/key-ownership/v1'),
			state.api.genesisHash.toU8a(),
			account.pair.publicKey,
			compactAddLength(umbralKeys.publicKey),
			verifyingKey ? u8aConcat([1], compactAddLength(verifyingKey)) : new Uint8Array([0]),
		);
		return u8aToHex(sign(account.pair, statement), -1, false);
	};
	const registration = {
		...publicParts,
		genesisHash: u8aToHex(state.api.genesisHash.toU8a(), -1, false),
		patientProof: proof(umbralKeys.verifyingKey),
		providerProof: proof(null),
	};
	const link = (id, text) => {
		$(id).href = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
	};
	link('download-key', keyFile);
	link('download-public', `${JSON.stringify(registration, null, 2)}\n`);
	$('mnemonic').textContent = account.mnemonic;
	$('new-account').textContent = accountAddress;
	$('created').hidden = false;
	$('new-passphrase').value = '';
	$('new-passphrase-again').value = '';
}

// --- Tabs ---------------------------------------------------------------------

async function openTab(tab) {
	for (const section of document.querySelectorAll('.tab')) section.hidden = section.id !== tab;
	for (const button of document.querySelectorAll('#tabs button')) button.classList.toggle('active', button.dataset.tab === tab);
	if (tab === 'records') await loadRecords();
	if (tab === 'share') await loadShare();
	if (tab === 'access') await loadGrants();
	if (tab === 'audit') await loadAudit();
}

// --- Records ------------------------------------------------------------------

function envelopeOf({ id, record }) {
	if (!state.envelopes.has(id)) {
		const envelope = openEnvelope(state.keys.map((k) => k.secret), record.capsule.toU8a(true), record.encryptedMetadata.toU8a(true));
		state.envelopes.set(id, envelope);
	}
	return state.envelopes.get(id);
}

async function loadRecords() {
	progress('Reading your records…');
	[state.records, state.retirement] = await Promise.all([chain.recordsOf(state.api, state.account), chain.retirementClock(state.api)]);
	renderRecords();
}

function renderRecords() {
	const pages = Math.max(1, Math.ceil(state.records.length / PAGE_SIZE));
	state.recordPage = Math.min(state.recordPage, pages - 1);
	const shown = state.records.slice(state.recordPage * PAGE_SIZE, (state.recordPage + 1) * PAGE_SIZE);
	const rows = shown.map((entry) => {
		const { id, record } = entry;
		const open = document.createElement('button');
		open.type = 'button';
		open.textContent = 'Open';
		open.dataset.record = String(id);
		let what = 'unreadable';
		let date = '';
		let file = '';
		try {
			const envelope = envelopeOf(entry);
			what = envelope.resourceType ?? 'Document';
			date = envelope.date ?? '';
			file = envelope.fileName;
		} catch (error) {
			open.disabled = true;
			what = sentence(error);
		}
		const td = document.createElement('td');
		td.append(open);
		if (record.retiredAt.isSome) {
			// Retired: withdrawn from sharing, its body kept for the grace,
			// during which the patient reads it and can undo the retirement.
			const keptUntil = record.retiredAt.unwrap().toNumber() + state.retirement.grace;
			if (state.retirement.best < keptUntil) {
				what += ` (retired; restorable until block ${keptUntil})`;
				const restore = document.createElement('button');
				restore.type = 'button';
				restore.textContent = 'Restore';
				restore.dataset.restore = String(id);
				restore.addEventListener('click', () => act(restore, 'Restoring the record…', () => restoreRecord(id)));
				td.append(' ', restore);
			} else {
				open.disabled = true;
				what += ' (retired)';
			}
		}
		open.addEventListener('click', () => act(open, 'Fetching the record from its hospital…', () => openRecord(entry)));
		return row(String(id), what, date, file, size(record.bodySize.toNumber()), nameOf(record.custodian.toString()), td);
	});
	$('record-rows').replaceChildren(...rows);
	if (rows.length === 0) $('record-rows').append(row('You have no records yet.'));
	$('page-info').textContent = `${state.records.length} records · page ${state.recordPage + 1} of ${pages}`;
	$('newer').disabled = state.recordPage === 0;
	$('older').disabled = state.recordPage >= pages - 1;
}

async function restoreRecord(id) {
	const tx = state.api.tx.ehr.restoreRecords([id]);
	await chain.submit(state.api, tx, state.account, state.signer, (text) => progress(text));
	show(`Restored record ${id}: it can be shared again.`, 'info');
	await loadRecords();
}

async function openRecord(entry) {
	const envelope = envelopeOf(entry);
	const body = await fetchOwnBody(state.api, state.endpoint, state.pair, state.account, entry, envelope, (done, total) =>
		progress('Fetching the record from its hospital…', done, total),
	);
	$('record-view').hidden = false;
	$('record-title').textContent = `Record ${entry.id}: ${envelope.resourceType ?? envelope.fileName}`;
	const fields = [['File', envelope.fileName], ['Size', size(body.length)], ['Kept by', nameOf(entry.record.custodian.toString())]];
	if (envelope.source) fields.push(['In the hospital\'s EHR', `${envelope.source.baseUrl} · ${envelope.source.id}${envelope.source.versionId ? ` (version ${envelope.source.versionId})` : ''}`]);
	let raw = '';
	if (envelope.mediaType === 'application/fhir+json') {
		try {
			const resource = JSON.parse(new TextDecoder().decode(body));
			fields.unshift(...describeResource(resource));
			raw = JSON.stringify(resource, null, 2);
		} catch {
			raw = 'This record says it is FHIR JSON but does not parse; download it to look at it.';
		}
	} else {
		raw = 'This record is a file, not FHIR JSON; download it to open it.';
	}
	$('record-fields').replaceChildren(
		...fields.flatMap(([term, value]) => {
			const dt = document.createElement('dt');
			dt.textContent = term;
			const dd = document.createElement('dd');
			dd.textContent = value;
			return [dt, dd];
		}),
	);
	$('record-raw').textContent = raw;
	const download = $('record-download');
	// Always offered as a download, never opened in the page's origin: a
	// record that claims to be HTML cannot run as part of the portal.
	download.href = URL.createObjectURL(new Blob([body], { type: 'application/octet-stream' }));
	download.download = envelope.fileName || `record-${entry.id}`;
	$('record-view').scrollIntoView();
}

// --- Share --------------------------------------------------------------------

function purposes() {
	const field = state.api.tx.ehr.grant.meta.fields.find((f) => f.name.toString() === 'purpose');
	const def = state.api.registry.lookup.getSiType(field.type).def;
	return def.asVariant.variants.map((v) => v.name.toString());
}

async function loadShare() {
	progress('Reading clinicians and hospitals…');
	await loadDirectory();
	if (state.records.length === 0) state.records = await chain.recordsOf(state.api, state.account);
	$('grantee').replaceChildren(...[...state.clinicians].map(([account, label]) => new Option(label, account)));
	const recordBoxes = state.records
		.filter(({ record }) => record.retiredAt.isNone)
		.map((entry) => {
			const label = document.createElement('label');
			const box = document.createElement('input');
			box.type = 'checkbox';
			box.value = String(entry.id);
			box.name = 'record';
			let what = '';
			try {
				const e = envelopeOf(entry);
				what = `${e.resourceType ?? e.fileName}${e.date ? `, ${e.date}` : ''}`;
			} catch {
				what = 'unreadable';
			}
			label.append(box, ` Record ${entry.id}: ${what} (${nameOf(entry.record.custodian.toString())})`);
			return label;
		});
	$('share-records').replaceChildren(...recordBoxes);
	const proxies = await chain.proxies(state.api);
	$('share-proxies').replaceChildren(
		...proxies.map(({ hospital }) => {
			const label = document.createElement('label');
			const box = document.createElement('input');
			box.type = 'checkbox';
			box.value = hospital;
			box.name = 'proxy';
			label.append(box, ` ${nameOf(hospital)}`);
			return label;
		}),
	);
	$('purpose').replaceChildren(...purposes().map((p) => new Option(p.replace(/([a-z])([A-Z])/g, '$1 $2'), p)));
}

async function share() {
	const { api } = state;
	const grantee = $('grantee').value;
	if (!grantee) throw new UserError('Choose the clinician to share with.');
	const all = $('all-records').checked;
	const records = [...document.querySelectorAll('input[name=record]:checked')].map((b) => b.value);
	if (!all && records.length === 0) throw new UserError('Choose the records to share, or all of them.');
	const chosen = [...document.querySelectorAll('input[name=proxy]:checked')].map((b) => b.value);
	if (chosen.length === 0) throw new UserError('Choose at least one hospital to re-encrypt for the clinician.');
	const threshold = Number($('threshold').value);
	if (!Number.isInteger(threshold) || threshold < 1 || threshold > chosen.length) {
		throw new UserError(`How many hospitals must take part must be between 1 and the ${chosen.length} chosen.`);
	}
	const provider = await api.call.ehrApi.provider(grantee);
	if (provider.isNone) throw new UserError('This clinician is no longer registered; choose another.');
	const proxyKeys = await chain.proxies(api);
	const keysOf = chosen.map((hospital) => {
		const found = proxyKeys.find((p) => p.hospital === hospital);
		if (!found) throw new UserError(`${nameOf(hospital)} has no registered proxy; choose another hospital.`);
		return found.publicKey;
	});
	progress('Making the key fragments…');
	const kfrags = makeSealedKfrags(state.keys[0], provider.unwrap().publicKey.toU8a(true), threshold, keysOf);
	let expiresAt = null;
	const seconds = $('expiry').value;
	if (seconds) {
		const blockMs = chain.blockMillis(api);
		const best = (await api.rpc.chain.getHeader()).number.toNumber();
		expiresAt = best + Math.max(1, Math.floor((Number(seconds) * 1000) / blockMs));
	}
	const tx = api.tx.ehr.grant(
		grantee,
		all ? 'AllRecords' : { Records: records },
		threshold,
		chosen.map((hospital, i) => ({ hospital, encryptedKfrag: u8aToHex(kfrags[i].sealed), kfragId: u8aToHex(kfrags[i].kfragId) })),
		expiresAt,
		$('purpose').value,
	);
	const events = await chain.submit(api, tx, state.account, state.signer, (text) => progress(text));
	const created = events.find(({ event }) => api.events.ehr.GrantCreated.is(event));
	const id = created ? created.event.data[0].toString() : '?';
	show(`Shared: grant ${id} lets ${nameOf(grantee)} read ${all ? 'all your records' : `record${records.length > 1 ? 's' : ''} ${records.join(', ')}`} (${threshold} of ${chosen.length} hospitals).`, 'info');
}

// --- Grants -------------------------------------------------------------------

async function loadGrants() {
	progress('Reading your grants…');
	const grants = await chain.grantsOf(state.api, state.account);
	const best = (await state.api.rpc.chain.getHeader()).number.toNumber();
	const blockMs = chain.blockMillis(state.api);
	const until = (block) => `${new Date(Date.now() + (block - best) * blockMs).toLocaleDateString()} (block ${block})`;
	const rotated = await state.api.call.ehrApi.keysRotatedAt(state.account);
	const rows = grants.map(({ id, grant }) => {
		const scope = grant.scope.isAllRecords ? 'all' : grant.scope.asRecords.map((r) => r.toString()).join(', ');
		const expires = grant.expiresAt.isSome ? grant.expiresAt.unwrap().toNumber() : null;
		let status = 'active';
		if (grant.revokedAt.isSome) status = `revoked at block ${grant.revokedAt.unwrap().toNumber()}`;
		else if (expires !== null && best > expires) status = 'expired';
		else if (rotated.isSome && grant.createdAt.toNumber() <= rotated.unwrap().toNumber()) status = 'stopped (your keys changed); share again';
		const td = document.createElement('td');
		if (status === 'active') {
			const revoke = document.createElement('button');
			revoke.type = 'button';
			revoke.textContent = 'Revoke';
			revoke.dataset.grant = String(id);
			revoke.addEventListener('click', () =>
				act(revoke, `Revoking grant ${id}…`, async () => {
					try {
						await chain.submit(state.api, state.api.tx.ehr.revoke(id), state.account, state.signer, (text) => progress(text));
						show(`Revoked grant ${id}: ${nameOf(grant.grantee.toString())} can no longer request your records under it.`, 'info');
					} finally {
						// Whatever happened, show the grants as the chain has them now.
						await loadGrants();
					}
				}),
			);
			td.append(revoke);
		}
		return row(
			String(id),
			nameOf(grant.grantee.toString()),
			scope,
			`${grant.threshold.toNumber()} of ${grant.proxies.map((p) => nameOf(p.hospital.toString())).join(', ')}`,
			grant.purpose.toString().replace(/([a-z])([A-Z])/g, '$1 $2'),
			expires === null ? 'until revoked' : until(expires),
			status,
			td,
		);
	});
	$('grant-rows').replaceChildren(...rows);
	if (rows.length === 0) $('grant-rows').append(row('Nobody has access to your records.'));
}

// --- Audit log ----------------------------------------------------------------

const ACTIONS = {
	RecordCreated: 'added the record',
	RecordRetired: 'retired the record',
	GrantCreated: 'granted access',
	GrantRevoked: 'revoked a grant',
	AccessRequested: 'requested access',
	CfragAccepted: 're-encrypted for the request',
	RequestReady: 'request ready to read',
	RequestExpired: 'request expired',
	FetchConfirmed: 'served the record to the clinician',
	PatientRead: 'served the record to you',
	RecordRestored: 'restored the retired record',
};

async function auditRow({ index, entry }) {
	const opt = (o) => (o.isSome ? o.unwrap().toString() : '');
	const block = entry.block.toNumber();
	const time = await chain.blockTime(state.api, block);
	// Readiness and expiry are the chain's doing, whoever's account it names.
	const chainDid = entry.action.isRequestReady || entry.action.isRequestExpired;
	const tr = row(time ? time.toLocaleString() : '', String(block), chainDid ? 'the chain' : nameOf(entry.actor.toString()), ACTIONS[entry.action.type] ?? entry.action.type, opt(entry.record), opt(entry.grant), opt(entry.request));
	tr.dataset.index = String(index);
	tr.dataset.action = entry.action.type;
	return tr;
}

async function loadAudit() {
	progress('Reading your audit log…');
	await loadDirectory();
	state.auditLength = await chain.auditLength(state.api, state.account);
	state.auditShownFrom = Math.max(0, state.auditLength - AUDIT_PAGE);
	const entries = await chain.auditEntries(state.api, state.account, state.auditShownFrom, state.auditLength);
	const rows = await Promise.all(entries.reverse().map(auditRow));
	$('audit-rows').replaceChildren(...rows);
	$('audit-more').hidden = state.auditShownFrom === 0;
}

async function olderAudit() {
	const to = state.auditShownFrom;
	state.auditShownFrom = Math.max(0, to - AUDIT_PAGE);
	const entries = await chain.auditEntries(state.api, state.account, state.auditShownFrom, to);
	$('audit-rows').append(...(await Promise.all(entries.reverse().map(auditRow))));
	$('audit-more').hidden = state.auditShownFrom === 0;
}

/** On each new block: entries added since are put on top. */
let refreshing = false;
async function refreshAudit() {
	if (refreshing || $('audit').hidden) return;
	refreshing = true;
	try {
		const length = await chain.auditLength(state.api, state.account);
		if (length > state.auditLength) {
			await loadDirectory();
			const entries = await chain.auditEntries(state.api, state.account, state.auditLength, length);
			$('audit-rows').prepend(...(await Promise.all(entries.reverse().map(auditRow))));
			state.auditLength = length;
		}
	} finally {
		refreshing = false;
	}
}

// --- Wiring -------------------------------------------------------------------

function defaultEndpoint() {
	const from = new URLSearchParams(location.search).get('rpc');
	if (from) return from;
	const served = location.protocol.startsWith('http') && location.hostname ? `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:9944` : '';
	return served || 'ws://127.0.0.1:9944';
}

$('endpoint').value = defaultEndpoint();
$('connect-form').addEventListener('submit', (e) => {
	e.preventDefault();
	act($('connect'), 'Connecting…', connect);
});
$('unlock-form').addEventListener('submit', (e) => {
	e.preventDefault();
	act($('unlock'), 'Unlocking…', unlock);
});
$('create-form').addEventListener('submit', (e) => {
	e.preventDefault();
	act($('create'), 'Making your keys…', createKeys);
});
$('share-form').addEventListener('submit', (e) => {
	e.preventDefault();
	act($('grant'), 'Sharing…', share);
});
$('all-records').addEventListener('change', () => {
	for (const box of document.querySelectorAll('input[name=record]')) box.disabled = $('all-records').checked;
});
for (const button of document.querySelectorAll('#tabs button')) {
	button.addEventListener('click', () => act(null, 'Loading…', () => openTab(button.dataset.tab)));
}
$('newer').addEventListener('click', () => {
	state.recordPage -= 1;
	renderRecords();
});
$('older').addEventListener('click', () => {
	state.recordPage += 1;
	renderRecords();
});
$('audit-more').addEventListener('click', () => act($('audit-more'), 'Reading older entries…', olderAudit));
window.addEventListener('unhandledrejection', (event) => show(sentence(event.reason)));
