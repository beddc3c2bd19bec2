// SPDX-License-Identifier: GPL-3.0-only
//
// The chain's canonical encoding of Umbral objects, and the conversion from
// and to the encoding of @nucypher/umbral-pre (the npm build of umbral-pre).
//
// The chain, the nodes and the `ehr` client encode umbral-pre's serde form
// with postcard (docs/protocol.md, "Canonical encoding of Umbral objects").
// @nucypher/umbral-pre writes the same serde form as MessagePack (rmp-serde):
// each struct is an array of its fields, each byte string a `bin 8`, each
// bool `true`/`false`. The conversion drops the array headers, writes each
// byte string as a one-byte length (every length is below 128, postcard's
// varint of it) and each bool as 0 or 1. Going back needs the shape of the
// object, given below for each type the page handles.

/** A byte string (a curve point, a scalar, a signature, an id). */
const BYTES = 'bytes';
/** A bool. */
const BOOL = 'bool';

/** The serde shapes of umbral-pre 0.11's objects (struct = array of fields). */
export const SHAPES = {
	// point_e, point_v, signature
	capsule: [BYTES, BYTES, BYTES],
	// params { u }, id, key, precursor, proof { commitment, signature_for_proxy,
	// signature_for_receiver, delegating_key_signed, receiving_key_signed }
	keyFrag: [[BYTES], BYTES, BYTES, BYTES, [BYTES, BYTES, BYTES, BOOL, BOOL]],
	// point_e1, point_v1, kfrag_id, precursor, proof { point_e2, point_v2,
	// kfrag_commitment, kfrag_pok, signature, kfrag_signature }
	capsuleFrag: [BYTES, BYTES, BYTES, BYTES, [BYTES, BYTES, BYTES, BYTES, BYTES, BYTES]],
};

/** Canonical sizes (docs/protocol.md). */
export const SIZES = { publicKey: 34, capsule: 101, keyFrag: 300, capsuleFrag: 369 };

class CodecError extends Error {}

/** Reads `bytes` front to back: `take(n)` the next n, `rest()` how many are left. */
function reader(bytes) {
	let at = 0;
	return {
		take(n) {
			if (at + n > bytes.length) throw new CodecError('the Umbral object is truncated');
			const part = bytes.subarray(at, at + n);
			at += n;
			return part;
		},
		rest: () => bytes.length - at,
	};
}

/** MessagePack bytes of `shape` to the canonical (postcard) bytes. */
export function toCanonical(msgpack, shape) {
	const out = [];
	const { take, rest } = reader(msgpack);
	const walk = (s) => {
		const [tag] = take(1);
		if (s === BYTES) {
			if (tag !== 0xc4) throw new CodecError('an Umbral byte string was expected');
			const [len] = take(1);
			if (len >= 128) throw new CodecError('an Umbral byte string is too long');
			out.push(len, ...take(len));
		} else if (s === BOOL) {
			if (tag !== 0xc2 && tag !== 0xc3) throw new CodecError('an Umbral flag was expected');
			out.push(tag === 0xc3 ? 1 : 0);
		} else {
			if (tag !== (0x90 | s.length)) throw new CodecError('an Umbral structure has the wrong shape');
			s.forEach(walk);
		}
	};
	walk(shape);
	if (rest() !== 0) throw new CodecError('the Umbral object has trailing bytes');
	return Uint8Array.from(out);
}

/** Canonical (postcard) bytes of `shape` to MessagePack, for `fromBytes`. */
export function fromCanonical(bytes, shape) {
	const out = [];
	const { take, rest } = reader(bytes);
	const walk = (s) => {
		if (s === BYTES) {
			const [len] = take(1);
			if (len >= 128) throw new CodecError('an Umbral byte string is too long');
			out.push(0xc4, len, ...take(len));
		} else if (s === BOOL) {
			const [flag] = take(1);
			if (flag > 1) throw new CodecError('an Umbral flag is neither 0 nor 1');
			out.push(flag ? 0xc3 : 0xc2);
		} else {
			out.push(0x90 | s.length);
			s.forEach(walk);
		}
	};
	walk(shape);
	if (rest() !== 0) throw new CodecError('the Umbral object has trailing bytes');
	return Uint8Array.from(out);
}

/** postcard's unsigned varint of `n`. */
export function varint(n) {
	const out = [];
	do {
		let byte = n & 0x7f;
		n >>>= 7;
		if (n) byte |= 0x80;
		out.push(byte);
	} while (n);
	return out;
}

/**
 * The canonical `Sealed` value (a kfrag Umbral-encrypted to a proxy):
 * the canonical capsule, then the ciphertext as a varint length and bytes.
 */
export function sealed(capsuleCanonical, ciphertext) {
	return Uint8Array.from([...capsuleCanonical, ...varint(ciphertext.length), ...ciphertext]);
}

/** The id of a canonical kfrag: bytes 35..67 (docs/protocol.md). */
export function kfragId(kfragCanonical) {
	if (kfragCanonical.length !== SIZES.keyFrag || kfragCanonical[0] !== 33 || kfragCanonical[34] !== 32) {
		throw new CodecError('a kfrag does not have the canonical shape');
	}
	return kfragCanonical.slice(35, 67);
}
