// SPDX-License-Identifier: GPL-3.0-only
//
// The page's cryptography against the `ehr` client's, in Node with the same
// modules the page bundles (umbral-pre's Node build of the same version):
//
// 1. a key file made by `ehr keys new` unlocks here, and gives the same
//    account and Umbral keys as the file states (the client wrote them);
// 2. a key file made here (new account from a mnemonic, new Umbral seed)
//    opens in `ehr`: `ehr keys export-account` unlocks it, which checks that
//    the keys the client derives from its secrets are the ones the page
//    wrote, and exports the same account;
// 3. a wrong passphrase and damaged files give one plain sentence;
// 4. the canonical encoding: every Umbral object converts to the canonical
//    size and back to bytes umbral-pre reads, and a kfrag id is where the
//    runtime reads it.
//
// Usage: EHR_BIN=path/to/ehr node tests/compat.test.mjs

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as umbral from '@nucypher/umbral-pre';
import { cryptoWaitReady, encodeAddress, sr25519Verify } from '@polkadot/util-crypto';
import { u8aToHex } from '@polkadot/util';
import { parseKeyFile, sealKeyFile, unlockKeyFile } from '../src/keyfile.js';
import { accountFromKeyFile, newAccount, sign } from '../src/account.js';
import { keysFromSeed, makeSealedKfrags, openEnvelope, publicKeyBytes } from '../src/umbral.js';
import { SHAPES, SIZES, fromCanonical, kfragId, toCanonical } from '../src/umbral-codec.js';

const ehr = process.env.EHR_BIN;
assert.ok(ehr, 'set EHR_BIN to the ehr binary');
await cryptoWaitReady();
const dir = mkdtempSync(join(tmpdir(), 'ehr-portal-compat-'));
const passphrase = 'correct horse battery staple';
const env = { ...process.env, EHR_PASSPHRASE: passphrase };
const hex = (bytes) => u8aToHex(bytes, -1, false);
const step = (text) => console.error(`[compat] ${text}`);

try {
	step('a key file made by `ehr keys new` unlocks in the page with the same keys');
	const clientFile = join(dir, 'client-key.json');
	const made = JSON.parse(execFileSync(ehr, ['--json', '--key', clientFile, 'keys', 'new'], { env }).toString());
	const parsed = parseKeyFile(readFileSync(clientFile, 'utf8'));
	const secrets = await unlockKeyFile(parsed, passphrase);
	const keys = keysFromSeed(secrets.umbralSeed);
	assert.equal(hex(keys.publicKey), made.public.publicKey, 'the Umbral public key derived in the page is the client\'s');
	assert.equal(hex(keys.verifyingKey), made.public.verifyingKey, 'the verifying key derived in the page is the client\'s');
	const pair = accountFromKeyFile(secrets.accountSecret, parsed.account);
	assert.equal(encodeAddress(pair.publicKey, 42), made.public.account);
	const message = new TextEncoder().encode('a read the node checks');
	assert.ok(sr25519Verify(message, sign(pair, message), pair.publicKey), 'the account key signs for the account');

	step('a wrong passphrase, a damaged file and another file are refused in one sentence');
	await assert.rejects(unlockKeyFile(parsed, 'not the passphrase'), /Wrong passphrase/);
	const damaged = { ...parsed, ciphertext: `${parsed.ciphertext.slice(0, -2)}00` };
	await assert.rejects(unlockKeyFile(damaged, passphrase), /Wrong passphrase .*altered/);
	assert.throws(() => parseKeyFile('{"hello": 1}'), /not an ehr key file/);
	assert.throws(() => parseKeyFile('not json'), /not an ehr key file/);
	assert.throws(() => parseKeyFile(JSON.stringify({ ...parsed, format: 'ehr-key-v9' })), /another format/);
	await assert.rejects(unlockKeyFile({ ...parsed, kdf: { ...parsed.kdf, memoryKib: 1 << 30 } }, passphrase), /out of range/);

	step('a key file made in the page opens in `ehr`, as the same account');
	const account = newAccount();
	const seed = crypto.getRandomValues(new Uint8Array(32));
	const pageKeys = keysFromSeed(seed);
	const address = encodeAddress(account.pair.publicKey, 42);
	const pageFile = join(dir, 'page-key.json');
	writeFileSync(
		pageFile,
		await sealKeyFile({ account: address, publicKey: hex(pageKeys.publicKey), verifyingKey: hex(pageKeys.verifyingKey) }, { accountSecret: account.secret, umbralSeed: seed }, passphrase),
	);
	await assert.rejects(sealKeyFile({ account: address, publicKey: '', verifyingKey: '' }, { accountSecret: account.secret, umbralSeed: seed }, 'short'), /at least 8/);
	const exported = join(dir, 'page-account.json');
	const out = JSON.parse(execFileSync(ehr, ['--json', '--key', pageFile, 'keys', 'export-account', '-o', exported], { env }).toString());
	assert.equal(JSON.parse(readFileSync(exported, 'utf8')).address, address, 'ehr exports the page\'s account');
	assert.ok(out, 'ehr unlocked the page\'s key file');
	const reopened = await unlockKeyFile(parseKeyFile(readFileSync(pageFile, 'utf8')), passphrase);
	assert.deepEqual(reopened.accountSecret, account.secret);

	step('Umbral objects convert to the canonical sizes and back');
	const grantee = umbral.SecretKey.random();
	const [capsule, ciphertext] = umbral.encrypt(keys.secret.publicKey(), new TextEncoder().encode('{"fileName":"x"}'));
	const capsuleBytes = toCanonical(capsule.toBytes(), SHAPES.capsule);
	assert.equal(capsuleBytes.length, SIZES.capsule);
	assert.deepEqual(fromCanonical(capsuleBytes, SHAPES.capsule), capsule.toBytes());
	assert.deepEqual(openEnvelope([grantee, keys.secret], capsuleBytes, ciphertext), { fileName: 'x' }, 'the envelope opens with the second key');
	assert.throws(() => openEnvelope([grantee], capsuleBytes, ciphertext), /does not open/);
	assert.equal(publicKeyBytes(grantee.publicKey()).length, SIZES.publicKey);
	const kfrags = umbral.generateKFrags(keys.secret, grantee.publicKey(), keys.signer, 2, 3, true, true);
	const kfragBytes = toCanonical(kfrags[0].toBytes(), SHAPES.keyFrag);
	assert.equal(kfragBytes.length, SIZES.keyFrag);
	assert.deepEqual(fromCanonical(kfragBytes, SHAPES.keyFrag), kfrags[0].toBytes());
	const cfrag = umbral.reencrypt(capsule, kfrags[0]);
	const cfragBytes = toCanonical(cfrag.toBytes(), SHAPES.capsuleFrag);
	assert.equal(cfragBytes.length, SIZES.capsuleFrag);
	assert.deepEqual(cfragBytes.slice(69, 101), kfragId(kfragBytes), 'a cfrag names its kfrag where the runtime reads it');
	assert.throws(() => toCanonical(Uint8Array.from([...capsule.toBytes(), 0]), SHAPES.capsule), /trailing/);
	assert.throws(() => fromCanonical(capsuleBytes.slice(0, 100), SHAPES.capsule), /truncated/);

	step('sealed kfrags have the canonical size and open for their proxy only');
	const proxies = [umbral.SecretKey.random(), umbral.SecretKey.random(), umbral.SecretKey.random()];
	const sealed = makeSealedKfrags(keys, publicKeyBytes(grantee.publicKey()), 2, proxies.map((p) => publicKeyBytes(p.publicKey())));
	assert.equal(sealed.length, 3);
	for (const [i, { sealed: bytes, kfragId: id }] of sealed.entries()) {
		assert.equal(bytes.length, 443, 'a sealed kfrag is 443 bytes, as the runtime bounds it');
		const sealedCapsule = umbral.Capsule.fromBytes(fromCanonical(bytes.slice(0, 101), SHAPES.capsule));
		assert.equal((bytes[101] & 0x7f) | (bytes[102] << 7), 340, "the ciphertext length is a postcard varint");
		const inner = umbral.decryptOriginal(proxies[i], sealedCapsule, bytes.slice(103));
		assert.deepEqual(kfragId(inner), id);
		const kfrag = umbral.KeyFrag.fromBytes(fromCanonical(inner, SHAPES.keyFrag));
		kfrag.verify(keys.signer.verifyingKey(), keys.secret.publicKey(), grantee.publicKey());
		assert.throws(() => umbral.decryptOriginal(proxies[(i + 1) % 3], sealedCapsule, bytes.slice(103)));
	}
	assert.throws(() => makeSealedKfrags(keys, publicKeyBytes(grantee.publicKey()), 4, [publicKeyBytes(proxies[0].publicKey())]), /threshold/);
	step('passed');
} finally {
	rmSync(dir, { recursive: true, force: true });
}
