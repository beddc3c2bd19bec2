// SPDX-License-Identifier: GPL-3.0-only
//
// The `ehr` key file, read and written in the page exactly as the `ehr`
// client does (client/src/crypto/keyfile.rs): JSON with the public keys in
// the clear and the secrets sealed with XChaCha20-Poly1305 under a key that
// Argon2id derives from the passphrase (19 MiB, 2 passes, 1 lane, 16-byte
// salt). Argon2id comes from hash-wasm, XChaCha20-Poly1305 from
// @noble/ciphers; nothing here is hand-written cryptography.

import { argon2id } from 'hash-wasm';
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { UserError } from './errors.js';

/** The key file format the `ehr` client writes and reads. */
export const FORMAT = 'ehr-key-v1';
/** Argon2id parameters of new files (client/src/crypto/keyfile.rs). */
export const ARGON2 = { memoryKib: 19 * 1024, passes: 2, lanes: 1 };
/** The shortest passphrase the client accepts. */
export const MIN_PASSPHRASE = 8;

const hex = (bytes) => u8aToHex(bytes, -1, false);
const unhex = (text, what) => {
	if (typeof text !== 'string' || !/^([0-9a-f]{2})*$/i.test(text)) {
		throw new UserError(`The key file's ${what} is not hex; the file is damaged.`);
	}
	return hexToU8a(`0x${text}`);
};

async function deriveKey(passphrase, salt, kdf) {
	const memory = Number(kdf.memoryKib);
	const passes = Number(kdf.passes);
	const lanes = Number(kdf.lanes);
	// Bounds that keep a damaged or hostile file from freezing the page.
	if (!(memory >= 8 * lanes && memory <= 1 << 20 && passes >= 1 && passes <= 16 && lanes >= 1 && lanes <= 8)) {
		throw new UserError("The key file's Argon2 parameters are out of range; the file is damaged.");
	}
	return argon2id({
		password: passphrase,
		salt,
		parallelism: lanes,
		iterations: passes,
		memorySize: memory,
		hashLength: 32,
		outputType: 'binary',
	});
}

/**
 * Parses a key file's text: its public parts and what unlocking needs.
 * Throws a UserError saying what is wrong with any other file.
 */
export function parseKeyFile(text) {
	let file;
	try {
		file = JSON.parse(text);
	} catch {
		throw new UserError('This file is not an ehr key file (it is not JSON). Choose the key.json that `ehr keys new` or this page made.');
	}
	if (!file || typeof file !== 'object' || typeof file.format !== 'string' || !file.kdf) {
		throw new UserError('This file is not an ehr key file. Choose the key.json that `ehr keys new` or this page made.');
	}
	if (file.format !== FORMAT || file.kdf.algorithm !== 'argon2id') {
		throw new UserError(`This key file has another format (${file.format}); use the ehr client that made it.`);
	}
	for (const field of ['account', 'publicKey', 'verifyingKey', 'nonce', 'ciphertext']) {
		if (typeof file[field] !== 'string') throw new UserError(`The key file has no ${field}; the file is damaged.`);
	}
	return file;
}

/**
 * Unlocks a parsed key file: the account secret (sr25519, 64 bytes in
 * schnorrkel's layout, as sp-core stores it) and the Umbral seeds, current
 * first, then earlier ones newest first.
 */
export async function unlockKeyFile(file, passphrase) {
	const salt = unhex(file.kdf.salt, 'salt');
	const nonce = unhex(file.nonce, 'nonce');
	if (nonce.length !== 24) throw new UserError("The key file's nonce is not 24 bytes; the file is damaged.");
	const ciphertext = unhex(file.ciphertext, 'ciphertext');
	const key = await deriveKey(passphrase, salt, file.kdf);
	let plaintext;
	try {
		plaintext = xchacha20poly1305(key, nonce).decrypt(ciphertext);
	} catch {
		throw new UserError('Wrong passphrase for this key file (or the file was altered). Try again.');
	}
	let secrets;
	try {
		secrets = JSON.parse(new TextDecoder().decode(plaintext));
	} catch {
		throw new UserError("The key file's secrets are damaged.");
	}
	const accountSecret = unhex(secrets.accountSecret, 'account secret');
	if (accountSecret.length !== 64) throw new UserError("The key file's account secret is not 64 bytes; the file is damaged.");
	const previous = Array.isArray(secrets.previousUmbralSeeds) ? secrets.previousUmbralSeeds : [];
	return {
		accountSecret,
		umbralSeed: unhex(secrets.umbralSeed, 'Umbral seed'),
		previousUmbralSeeds: previous.map((seed) => unhex(seed, 'earlier Umbral seed')),
	};
}

/**
 * A new key file's text: `publicParts` ({account, publicKey, verifyingKey})
 * in the clear, the secrets sealed with `passphrase`.
 */
export async function sealKeyFile(publicParts, secrets, passphrase) {
	if (passphrase.length < MIN_PASSPHRASE) {
		throw new UserError(`The passphrase must have at least ${MIN_PASSPHRASE} characters; choose a longer one.`);
	}
	const salt = crypto.getRandomValues(new Uint8Array(16));
	const nonce = crypto.getRandomValues(new Uint8Array(24));
	const kdf = { algorithm: 'argon2id', memoryKib: ARGON2.memoryKib, passes: ARGON2.passes, lanes: ARGON2.lanes, salt: hex(salt) };
	const key = await deriveKey(passphrase, salt, kdf);
	const sealedSecrets = { accountSecret: hex(secrets.accountSecret), umbralSeed: hex(secrets.umbralSeed) };
	const plaintext = new TextEncoder().encode(JSON.stringify(sealedSecrets));
	const ciphertext = xchacha20poly1305(key, nonce).encrypt(plaintext);
	const file = {
		format: FORMAT,
		account: publicParts.account,
		publicKey: publicParts.publicKey,
		verifyingKey: publicParts.verifyingKey,
		kdf,
		nonce: hex(nonce),
		ciphertext: hex(ciphertext),
	};
	return `${JSON.stringify(file, null, 2)}\n`;
}
