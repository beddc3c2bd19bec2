// SPDX-License-Identifier: GPL-3.0-only
//
// Errors the page shows to the patient as they are: one plain sentence that
// says what went wrong and what to do next.

/** A failure explained in one sentence for the patient. */
export class UserError extends Error {}

/**
 * The sentence to show for any failure: a UserError's own text, else a
 * plain sentence for the failures polkadot-js and the browser report.
 */
export function sentence(error) {
	if (error instanceof UserError) return error.message;
	const text = String(error?.message ?? error);
	if (/Cancelled|Rejected by user|rejected/i.test(text)) return 'You declined to sign in the extension; nothing was sent.';
	if (/Custom error: 201/.test(text)) {
		return 'This account is not registered on the chain; ask a hospital to register you first.';
	}
	if (/Custom error: 202|Custom error: 203/.test(text)) {
		return 'Your transaction allowance is used up for now (rate limit); try again in a minute.';
	}
	if (/Custom error: 204/.test(text)) {
		return 'This account may not do that on the chain; sign with the account whose role it is.';
	}
	if (/Custom error: 205/.test(text)) {
		return 'This is too large to send at once; share fewer records in one go.';
	}
	if (/WebSocket|disconnected|ECONNREFUSED|Unable to connect|Failed to fetch|NetworkError/i.test(text)) {
		return 'The hospital node cannot be reached; check the endpoint and that the node is running.';
	}
	return `Something went wrong: ${text}`;
}
