// SPDX-License-Identifier: GPL-3.0-only
//
// The patient's Umbral cryptography in the page, with @nucypher/umbral-pre
// (umbral-pre built for WebAssembly), speaking the chain's canonical
// encoding through umbral-codec.js. The same derivations as the `ehr`
// client (client/src/crypto/keyfile.rs, primitives/src/kfrags.rs).

import * as umbral from '@nucypher/umbral-pre';
import { SHAPES, SIZES, fromCanonical, kfragId, sealed, toCanonical } from './umbral-codec.js';
import { UserError } from './errors.js';

/** Labels under which the Umbral keys are derived from the key file's seed. */
const UMBRAL_KEY_LABEL = new TextEncoder().encode('ehr-client:umbral-decryption');
const SIGNING_KEY_LABEL = new TextEncoder().encode('ehr-client:umbral-signing');

/**
 * The canonical bytes of a public key: its 33-byte compressed point after a
 * length byte (the npm build has no MessagePack form for public keys).
 */
export const publicKeyBytes = (key) => Uint8Array.from([33, ...key.toCompressedBytes()]);
/** A public key from its canonical bytes. */
export function publicKeyFrom(bytes) {
	if (bytes.length !== SIZES.publicKey || bytes[0] !== 33) throw new UserError('An Umbral public key on chain does not have the canonical shape.');
	return umbral.PublicKey.fromCompressedBytes(bytes.subarray(1));
}
/** A capsule from its canonical bytes (umbral-pre checks its proof). */
export const capsuleFrom = (bytes) => umbral.Capsule.fromBytes(fromCanonical(bytes, SHAPES.capsule));

/** The size of an Umbral seed. */
export const seedSize = () => umbral.SecretKeyFactory.seedSize();

/**
 * The Umbral keys of a seed: the decryption key and the signer of kfrags,
 * with their canonical public keys.
 */
export function keysFromSeed(seed) {
	let factory;
	try {
		factory = umbral.SecretKeyFactory.fromSecureRandomness(seed);
	} catch {
		throw new UserError('An Umbral seed in the key file has the wrong length; the file is damaged.');
	}
	const secret = factory.makeKey(UMBRAL_KEY_LABEL);
	const signing = factory.makeKey(SIGNING_KEY_LABEL);
	return {
		secret,
		signer: new umbral.Signer(signing),
		publicKey: publicKeyBytes(secret.publicKey()),
		verifyingKey: publicKeyBytes(signing.publicKey()),
	};
}

/**
 * Opens a record's envelope (capsule and ciphertext from chain) with the
 * first of `secrets` that opens it: the envelope's JSON, parsed.
 */
export function openEnvelope(secrets, capsuleBytes, ciphertext) {
	const capsule = capsuleFrom(capsuleBytes);
	for (const secret of secrets) {
		let plaintext;
		try {
			plaintext = umbral.decryptOriginal(secret, capsule, ciphertext);
		} catch {
			continue;
		}
		return JSON.parse(new TextDecoder().decode(plaintext));
	}
	throw new UserError("A record's envelope does not open with this key file; is it this patient's key file?");
}

/**
 * `n` kfrags for `granteeKey`, threshold `threshold`, one per proxy key,
 * each sealed (Umbral-encrypted) to its proxy: `[{ sealed, kfragId }]` in
 * canonical bytes, as `ehr.grant` takes them.
 */
export function makeSealedKfrags(keys, granteeKey, threshold, proxyKeys) {
	if (threshold < 1 || threshold > proxyKeys.length) throw new UserError('The threshold must be between 1 and the number of proxy hospitals.');
	const grantee = publicKeyFrom(granteeKey);
	const kfrags = umbral.generateKFrags(keys.secret, grantee, keys.signer, threshold, proxyKeys.length, true, true);
	return proxyKeys.map((proxyKey, i) => {
		const kfrag = toCanonical(kfrags[i].toBytes(), SHAPES.keyFrag);
		const [capsule, ciphertext] = umbral.encrypt(publicKeyFrom(proxyKey), kfrag);
		return { sealed: sealed(toCanonical(capsule.toBytes(), SHAPES.capsule), ciphertext), kfragId: kfragId(kfrag) };
	});
}
