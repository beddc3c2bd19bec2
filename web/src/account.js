// SPDX-License-Identifier: GPL-3.0-only
//
// The patient's account key, as the key file holds it.
//
// sp-core (and so the `ehr` key file) keeps an sr25519 secret key as
// schnorrkel's `to_bytes`: the 32-byte scalar, then the 32-byte nonce.
// polkadot-js (@polkadot/util-crypto, which wraps schnorrkel in WebAssembly)
// takes the same key in schnorrkel's "ed25519 layout" (`to_ed25519_bytes`):
// the scalar multiplied by the cofactor 8, then the nonce. The two helpers
// below are schnorrkel's own `multiply_scalar_bytes_by_cofactor` and
// `divide_scalar_bytes_by_cofactor`, a 3-bit shift of a little-endian
// number; nothing else about the key changes.

import { decodeAddress, mnemonicGenerate, mnemonicToMiniSecret, sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';
import { UserError } from './errors.js';

/** The scalar of a schnorrkel secret, times 8 (ed25519 layout). */
function multiplyByCofactor(scalar) {
	const out = Uint8Array.from(scalar);
	let high = 0;
	for (let i = 0; i < out.length; i++) {
		const carry = out[i] & 0b1110_0000;
		out[i] = ((out[i] << 3) & 0xff) + high;
		high = carry >> 5;
	}
	return out;
}

/** The scalar of an ed25519-layout secret, divided by 8 (schnorrkel layout). */
function divideByCofactor(scalar) {
	const out = Uint8Array.from(scalar);
	let low = 0;
	for (let i = out.length - 1; i >= 0; i--) {
		const r = out[i] & 0b0000_0111;
		out[i] = (out[i] >> 3) + low;
		low = (r << 5) & 0xff;
	}
	return out;
}

/**
 * The signing pair of a key file's account secret (64 bytes, schnorrkel
 * layout) whose public key is `address`; refuses a secret that does not
 * sign for that address.
 */
export function accountFromKeyFile(secret, address) {
	const secretKey = new Uint8Array(64);
	secretKey.set(multiplyByCofactor(secret.subarray(0, 32)), 0);
	secretKey.set(secret.subarray(32, 64), 32);
	let publicKey;
	try {
		publicKey = decodeAddress(address);
	} catch {
		throw new UserError("The key file's account is not a valid address; the file is damaged.");
	}
	const pair = { publicKey, secretKey };
	const probe = new TextEncoder().encode('ehr-chain:key-file-check');
	if (!sr25519Verify(probe, sr25519Sign(probe, pair), publicKey)) {
		throw new UserError("The key file's account secret does not match its account; the file was altered.");
	}
	return pair;
}

/**
 * A new account from a new 12-word mnemonic, derived as polkadot-js and its
 * extension derive one (no derivation path): the mnemonic to show once, the
 * signing pair, and the secret in the key file's layout.
 */
export function newAccount() {
	const mnemonic = mnemonicGenerate(12);
	const pair = sr25519PairFromSeed(mnemonicToMiniSecret(mnemonic));
	const secret = new Uint8Array(64);
	secret.set(divideByCofactor(pair.secretKey.subarray(0, 32)), 0);
	secret.set(pair.secretKey.subarray(32, 64), 32);
	return { mnemonic, pair, secret };
}

/** Signs `message` with the pair. */
export const sign = (pair, message) => sr25519Sign(message, pair);
