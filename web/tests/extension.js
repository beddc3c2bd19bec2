// SPDX-License-Identifier: GPL-3.0-only
//
// The polkadot-js extension as the portal test provides it: injected into
// the page with @polkadot/extension-inject's own `injectExtension`, under the
// extension's name, so the page finds it through @polkadot/extension-dapp
// exactly as it finds the real one. Accounts and signatures come from the
// test (functions it exposes to the page), where a @polkadot/keyring pair
// signs as the extension's background does.

import { injectExtension } from '@polkadot/extension-inject';

injectExtension(
	async () => ({
		accounts: {
			get: () => window.ehrTestAccounts(),
			subscribe: (callback) => {
				window.ehrTestAccounts().then(callback);
				return () => {};
			},
		},
		signer: {
			signPayload: (payload) => window.ehrTestSignPayload(payload),
			signRaw: (raw) => window.ehrTestSignRaw(raw),
		},
	}),
	{ name: 'polkadot-js', version: '0.63.1' },
);
