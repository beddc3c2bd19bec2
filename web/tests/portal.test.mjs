// SPDX-License-Identifier: GPL-3.0-only
//
// The patient portal in a real browser (Debian's Chromium, headless, driven
// by puppeteer-core), against a running network, as a patient uses it. The
// Rust test node/tests/integration/portal.rs starts the four-node network,
// registers the people, adds the records, serves the built page and runs
// this script with:
//
//   PORTAL_URL        the page
//   RPC_URL           the node the patient connects to (hospital A's)
//   UNREACHABLE_URL   a WebSocket address where nothing listens
//   PATIENT_KEY       the patient's key file, made by `ehr keys new`
//   PATIENT_MNEMONIC  its account's 12 words (the extension holds the account)
//   RECORD_ID, RECORD_FILE   a record the hospital added, and its file
//   OTHER_RECORD_ID   the patient's oldest record
//   RECORD_COUNT      how many records the patient has (more than a page)
//   CLINICIAN_KEY, CLINICIAN_URL   the clinician's key file and node
//   CLINICIAN         the clinician's account
//   HOSPITALS         the three proxy hospitals' names, comma-separated
//   EHR_BIN, EHR_PASSPHRASE   the `ehr` binary and the key files' passphrase
//   CHROMIUM          the browser; SCREENSHOTS  where screenshots go
//
// The extension is injected with @polkadot/extension-inject (tests/
// extension.js); its signer is a @polkadot/keyring account, signing the
// payload as the extension does.

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import puppeteer from 'puppeteer-core';
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { u8aToHex, u8aWrapBytes } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';

const env = (name) => {
	const value = process.env[name];
	assert.ok(value, `${name} is not set`);
	return value;
};
const here = dirname(fileURLToPath(import.meta.url));
const step = (text) => console.error(`[portal] ${text}`);
const shots = env('SCREENSHOTS');
rmSync(shots, { recursive: true, force: true });
mkdirSync(shots, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'ehr-portal-test-'));
const hospitals = env('HOSPITALS').split(',');

/** `ehr --json ARGS` as the clinician: the JSON, or the refusal. */
function clinician(args) {
	const out = spawnSync(env('EHR_BIN'), ['--json', ...args], {
		env: { ...process.env, EHR_KEY_FILE: env('CLINICIAN_KEY'), EHR_URL: env('CLINICIAN_URL') },
		timeout: 180_000,
	});
	return { ok: out.status === 0, json: out.status === 0 ? JSON.parse(out.stdout.toString()) : null, stderr: out.stderr.toString() };
}

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519' });
const accounts = [{ pair: keyring.addFromUri(env('PATIENT_MNEMONIC')), name: 'My account' }];
// The extension's signing side: the metadata-aware registry of a connection
// to the chain, as the extension has after the page shares the metadata.
const api = await ApiPromise.create({ provider: new WsProvider(env('RPC_URL')), noInitWarn: true });
let declineNext = false;
const signPayload = async (payload) => {
	if (declineNext) {
		declineNext = false;
		throw new Error('Cancelled');
	}
	const { pair } = accounts.find((a) => a.pair.address === keyring.encodeAddress(payload.address));
	api.registry.setSignedExtensions(payload.signedExtensions);
	const extrinsic = api.registry.createType('ExtrinsicPayload', payload, { version: payload.version });
	return { id: Date.now(), signature: extrinsic.sign(pair).signature };
};
const signRaw = async ({ address, data }) => {
	const { pair } = accounts.find((a) => a.pair.address === keyring.encodeAddress(address));
	return { id: Date.now(), signature: u8aToHex(pair.sign(u8aWrapBytes(data))) };
};

const injected = await build({
	entryPoints: [join(here, 'extension.js')],
	bundle: true,
	write: false,
	format: 'iife',
	platform: 'browser',
	target: 'esnext',
	logLevel: 'silent',
});

const browser = await puppeteer.launch({
	executablePath: env('CHROMIUM'),
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
const problems = [];
try {
	const [page] = await browser.pages();
	await page.setViewport({ width: 1200, height: 900 });
	page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
	page.on('console', (message) => {
		if (message.type() === 'error' || message.type() === 'warn') problems.push(`console ${message.type()}: ${message.text()}`);
		if (/multiple versions/i.test(message.text())) problems.push(`duplicate packages: ${message.text()}`);
	});
	// Bodies come from the custodian's HTTP body server (docs/rpc.md).
	const bodyResponses = [];
	page.on('response', (response) => {
		if (new URL(response.url()).pathname === '/body' && response.request().method() === 'GET') bodyResponses.push(response.status());
	});
	page.on('requestfailed', (request) => {
		if (request.url().startsWith('ws')) return;
		// Chrome sometimes reports a streamed body the page read to its end
		// (`getReader()` until done) as net::ERR_ABORTED afterwards; the
		// request had its 200 and the test checks the bytes themselves. Any
		// other failure, or one without a successful answer, is a problem.
		const answered = request.response()?.status() === 200 && new URL(request.url()).pathname === '/body';
		if (answered && request.failure()?.errorText === 'net::ERR_ABORTED') return;
		problems.push(`request failed: ${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
	});
	await page.exposeFunction('ehrTestAccounts', async () => accounts.map(({ pair, name }) => ({ address: pair.address, name, type: 'sr25519' })));
	await page.exposeFunction('ehrTestSignPayload', signPayload);
	await page.exposeFunction('ehrTestSignRaw', signRaw);
	await page.evaluateOnNewDocument(injected.outputFiles[0].text);

	const shot = async (name) => {
		await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
	};
	/** Clicks `selector` and returns the next message the page shows. */
	const clickForMessage = async (selector) => {
		const before = await page.$eval('#message', (e) => Number(e.dataset.shown ?? 0));
		await page.click(selector);
		await page.waitForFunction((n) => Number(document.getElementById('message').dataset.shown ?? 0) > n, { timeout: 180_000 }, before);
		const text = await page.$eval('#message', (e) => e.textContent);
		step(`  the page says: ${text}`);
		return text;
	};
	const idle = () => page.waitForFunction(() => document.getElementById('progress').hidden, { timeout: 180_000 });
	const tab = async (name) => {
		await page.click(`#tabs button[data-tab=${name}]`);
		await idle();
	};
	const setValue = async (selector, value) => {
		await page.$eval(selector, (e, v) => {
			e.value = v;
		}, value);
	};

	step('an unreachable node is one sentence');
	await page.goto(env('PORTAL_URL'), { waitUntil: 'load' });
	await setValue('#endpoint', env('UNREACHABLE_URL'));
	const unreachable = await clickForMessage('#connect');
	assert.match(unreachable, /cannot be reached|does not answer/, unreachable);
	// The browser itself logs the refused connection; that is expected here.
	problems.length = 0;

	step('the patient connects to hospital A\'s node; the extension offers the account');
	await setValue('#endpoint', env('RPC_URL'));
	await page.click('#connect');
	await page.waitForSelector('#unlock-section:not([hidden])', { timeout: 60_000 });
	const offered = await page.$$eval('#account option', (options) => options.map((o) => o.value));
	assert.deepEqual(offered, [accounts[0].pair.address]);
	await shot('01-connect');

	step('keys made in the page: the words are shown once, the key file opens in `ehr`');
	await page.click('#create-keys summary');
	await page.type('#new-passphrase', env('EHR_PASSPHRASE'));
	await page.type('#new-passphrase-again', env('EHR_PASSPHRASE'));
	await page.click('#create');
	await page.waitForSelector('#created:not([hidden])', { timeout: 60_000 });
	const words = await page.$eval('#mnemonic', (e) => e.textContent);
	const newAccount = await page.$eval('#new-account', (e) => e.textContent);
	assert.equal(words.split(' ').length, 12);
	await shot('02-create-keys');
	/** The bytes behind a download link of the page. */
	const download = async (selector) =>
		Buffer.from(await page.$eval(selector, async (a) => Array.from(new Uint8Array(await (await fetch(a.href)).arrayBuffer()))));
	const pageKeyFile = join(work, 'page-key.json');
	writeFileSync(pageKeyFile, await download('#download-key'));
	const registration = JSON.parse((await download('#download-public')).toString());
	assert.equal(registration.account, newAccount);
	const exported = join(work, 'page-account.json');
	execFileSync(env('EHR_BIN'), ['--json', '--key', pageKeyFile, 'keys', 'export-account', '-o', exported], { env: process.env });
	assert.equal(JSON.parse(readFileSync(exported, 'utf8')).address, newAccount, '`ehr` opens the page\'s key file as the same account');
	const restored = keyring.addFromUri(words);
	assert.equal(restored.address, newAccount, 'the 12 words restore the same account in the extension');

	step('an account no hospital registered is told so');
	accounts.push({ pair: restored, name: 'New account' });
	await page.click('#connect');
	await page.waitForFunction((n) => document.querySelectorAll('#account option').length === n, { timeout: 60_000 }, 2);
	await page.select('#account', newAccount);
	const keyInput = await page.$('#key-file');
	await keyInput.uploadFile(pageKeyFile);
	await setValue('#passphrase', env('EHR_PASSPHRASE'));
	const unregistered = await clickForMessage('#unlock');
	assert.match(unregistered, /not registered as a patient/, unregistered);

	step('a key file of another account, and a wrong passphrase, are one sentence each');
	await page.select('#account', accounts[0].pair.address);
	assert.match(await clickForMessage('#unlock'), /not the account chosen in the extension/);
	await keyInput.uploadFile(env('PATIENT_KEY'));
	await setValue('#passphrase', 'not the passphrase');
	assert.match(await clickForMessage('#unlock'), /Wrong passphrase/);

	step('the patient unlocks the key file `ehr` made and sees the records with their metadata');
	await setValue('#passphrase', env('EHR_PASSPHRASE'));
	await page.click('#unlock');
	await page.waitForSelector('#records:not([hidden])', { timeout: 120_000 });
	await idle();
	const rows = await page.$$eval('#record-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
	const recordId = env('RECORD_ID');
	const listed = rows.find((r) => r[0] === recordId);
	assert.ok(listed, `record ${recordId} is listed: ${JSON.stringify(rows)}`);
	assert.equal(listed[1], 'Observation');
	assert.equal(listed[2], '2026-11-20T09:30:00Z');
	assert.equal(listed[5], hospitals[0]);
	assert.equal(rows.length, 20, 'a page holds 20 records');
	assert.ok(rows.every((r, i) => i === 0 || Number(rows[i - 1][0]) > Number(r[0])), 'newest first');
	const count = env('RECORD_COUNT');
	assert.equal(await page.$eval('#page-info', (e) => e.textContent), `${count} records · page 1 of 2`);
	await shot('03-records');
	await page.click('#older');
	const older = await page.$$eval('#record-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
	assert.equal(older.length, Number(count) - 20, 'the second page holds the rest');
	const letter = older.find((r) => r[0] === env('OTHER_RECORD_ID'));
	assert.ok(letter, `the oldest record is on the second page: ${JSON.stringify(older)}`);
	assert.deepEqual([letter[1], letter[3]], ['Document', 'discharge-letter.txt']);
	await page.click('#newer');

	step('the patient opens the record: the body is the file the hospital added, byte for byte');
	await page.click(`button[data-record="${recordId}"]`);
	await page.waitForSelector('#record-view:not([hidden])', { timeout: 120_000 });
	await idle();
	const fetched = await download('#record-download');
	assert.deepEqual(fetched, readFileSync(env('RECORD_FILE')), 'the page decrypts the body byte-identical');
	assert.deepEqual(bodyResponses, [200], 'the body came as bytes from the node\'s HTTP body server, whole');
	const fields = await page.$eval('#record-fields', (e) => e.textContent);
	assert.match(fields, /blood pressure/);
	assert.match(fields, /128 mmHg/);
	await shot('04-record');

	step('sharing: declining in the extension sends nothing; then a 2-of-3 grant to the clinician');
	await tab('share');
	assert.deepEqual(await page.select('#grantee', env('CLINICIAN')), [env('CLINICIAN')], 'the clinician is offered');
	await page.click(`input[name=record][value="${recordId}"]`);
	for (const name of hospitals) {
		const box = await page.evaluateHandle((n) => [...document.querySelectorAll('#share-proxies label')].find((l) => l.textContent.trim() === n)?.querySelector('input'), name);
		assert.ok(box.asElement(), `${name} is offered as a proxy`);
		await box.asElement().click();
	}
	await setValue('#threshold', '2');
	assert.deepEqual(await page.select('#purpose', 'Treatment'), ['Treatment'], 'the purposes come from the metadata');
	declineNext = true;
	assert.match(await clickForMessage('#grant'), /declined to sign/);
	const shared = await clickForMessage('#grant');
	await shot('05-share');
	const grant = shared.match(/grant (\d+)/)?.[1];
	assert.ok(grant, shared);

	step('the clinician requests and fetches the record with `ehr`');
	const request = clinician(['request', recordId, '--grant', grant]);
	assert.ok(request.ok, request.stderr);
	const fetchedFile = join(work, 'fetched.json');
	const fetch = clinician(['fetch', String(request.json.request), '-o', fetchedFile]);
	assert.ok(fetch.ok, fetch.stderr);
	assert.deepEqual(readFileSync(fetchedFile), readFileSync(env('RECORD_FILE')));

	step('the audit log shows the request, the re-encryptions and the fetch, live');
	await tab('audit');
	await page.waitForFunction(
		(req) => {
			const rows = [...document.querySelectorAll('#audit-rows tr')].filter((tr) => tr.children[6]?.textContent === req);
			const actions = rows.map((tr) => tr.dataset.action);
			return actions.includes('AccessRequested') && actions.filter((a) => a === 'CfragAccepted').length >= 2 && actions.includes('FetchConfirmed');
		},
		{ timeout: 120_000 },
		String(request.json.request),
	);
	const audit = await page.$$eval('#audit-rows tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
	assert.ok(audit.some((r) => r[2] === 'you' && r[3] === 'granted access'), 'the patient is "you"');
	assert.ok(audit.some((r) => r[3] === 'added the record' && r[2] === hospitals[0]), 'the custodian is named');
	assert.ok(audit.every((r) => r[0] !== ''), 'every entry has its block time');
	await shot('06-audit');

	step('who has access: the grant; revoking it from the page stops the clinician');
	await tab('access');
	await page.waitForSelector(`button[data-grant="${grant}"]`);
	await shot('07-access');
	assert.match(await clickForMessage(`button[data-grant="${grant}"]`), new RegExp(`Revoked grant ${grant}`));
	await shot('07-revoked');
	const refused = clinician(['request', recordId, '--grant', grant]);
	assert.ok(!refused.ok, 'the clinician\'s request after the revoke is refused');
	assert.match(refused.stderr, /Ehr\./);
	await tab('audit');
	await page.waitForFunction(() => [...document.querySelectorAll('#audit-rows tr')].some((tr) => tr.dataset.action === 'GrantRevoked'), { timeout: 60_000 });

	step('a transaction the chain refuses is one sentence: revoking a grant already revoked elsewhere');
	await tab('share');
	await page.select('#grantee', env('CLINICIAN'));
	await page.click('#all-records');
	const firstProxy = await page.evaluateHandle((n) => [...document.querySelectorAll('#share-proxies label')].find((l) => l.textContent.trim() === n)?.querySelector('input'), hospitals[1]);
	await firstProxy.asElement().click();
	await setValue('#threshold', '1');
	const second = (await clickForMessage('#grant')).match(/grant (\d+)/)?.[1];
	assert.ok(second);
	await tab('access');
	await page.waitForSelector(`button[data-grant="${second}"]`);
	const patientCli = spawnSync(env('EHR_BIN'), ['--json', 'revoke', second], {
		env: { ...process.env, EHR_KEY_FILE: env('PATIENT_KEY'), EHR_URL: env('RPC_URL') },
		timeout: 180_000,
	});
	assert.equal(patientCli.status, 0, patientCli.stderr.toString());
	const stale = await clickForMessage(`button[data-grant="${second}"]`);
	assert.match(stale, /The chain refused it \(ehr\.\w+\)/, stale);
	await page.waitForFunction((g) => !document.querySelector(`button[data-grant="${g}"]`), { timeout: 60_000 }, second);
	await shot('08-refused');

	step('a record the patient retired with `ehr` is marked restorable; Restore in the page brings it back');
	const otherId = env('OTHER_RECORD_ID');
	const retired = spawnSync(env('EHR_BIN'), ['--json', 'record', 'retire', otherId], {
		env: { ...process.env, EHR_KEY_FILE: env('PATIENT_KEY'), EHR_URL: env('RPC_URL') },
		timeout: 180_000,
	});
	assert.equal(retired.status, 0, retired.stderr.toString());
	await tab('records');
	// The letter is older than the 24 scans: on the second page.
	await page.click('#older');
	await page.waitForSelector(`button[data-restore="${otherId}"]`, { timeout: 60_000 });
	assert.match(await page.$eval('#record-rows', (e) => e.textContent), /retired; restorable until block \d+/);
	await shot('09-retired');
	assert.match(await clickForMessage(`button[data-restore="${otherId}"]`), new RegExp(`Restored record ${otherId}`));
	await page.waitForFunction((id) => !document.querySelector(`button[data-restore="${id}"]`), { timeout: 60_000 }, otherId);
	await tab('audit');
	await page.waitForFunction(() => [...document.querySelectorAll('#audit-rows tr')].some((tr) => tr.dataset.action === 'RecordRestored'), { timeout: 60_000 });

	assert.deepEqual(problems, [], 'the page logged no errors');
	step('passed');
} catch (error) {
	// What the patient saw when it failed: the page's message and a screenshot.
	const [page] = await browser.pages();
	if (page) {
		await page.screenshot({ path: join(shots, 'failed.png'), fullPage: true }).catch(() => {});
		const shown = await page.$eval('#message', (e) => (e.hidden ? '(none)' : e.textContent)).catch(() => '(no page)');
		console.error(`[portal] the page's message: ${shown}`);
	}
	console.error(`[portal] page problems: ${JSON.stringify(problems)}`);
	throw error;
} finally {
	await browser.close();
	await api.disconnect();
	rmSync(work, { recursive: true, force: true });
}
