// SPDX-License-Identifier: GPL-3.0-only
//
// What the polkadot-js extension does with an account `ehr` made: restore it
// from the JSON account file `ehr keys export-account` wrote, unlock it with
// the passphrase, sign with it, and restore it from the mnemonic `ehr keys
// new` showed. @polkadot/keyring is the code the extension uses for both.
//
// Usage: node check-account.mjs FILE PASSPHRASE MNEMONIC
// Prints a JSON summary (the addresses, a signature, whether a wrong
// passphrase was refused) and exits 0; prints the reason and exits 1 if the
// file does not restore. Run by node/tests/integration/polkadot_js.rs.

import { Keyring } from '@polkadot/keyring';
import { u8aToHex } from '@polkadot/util';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { readFileSync } from 'node:fs';

const [file, passphrase, mnemonic] = process.argv.slice(2);
try {
  await cryptoWaitReady();
  const json = JSON.parse(readFileSync(file, 'utf8'));
  const keyring = new Keyring({ type: 'sr25519' });

  const wrong = keyring.createFromJson(json);
  let wrongRefused = false;
  try {
    wrong.unlock(`${passphrase} but wrong`);
  } catch {
    wrongRefused = true;
  }

  const pair = keyring.addFromJson(json);
  pair.unlock(passphrase);
  const message = new TextEncoder().encode('ehr-chain account check');
  const signature = pair.sign(message);
  if (!pair.verify(message, signature, pair.publicKey)) {
    throw new Error('the restored account cannot verify its own signature');
  }
  const fromMnemonic = keyring.addFromMnemonic(mnemonic);
  console.log(JSON.stringify({
    jsonAddress: pair.address,
    mnemonicAddress: fromMnemonic.address,
    name: pair.meta.name,
    message: u8aToHex(message),
    signature: u8aToHex(signature),
    wrongRefused,
  }));
} catch (error) {
  console.error(`check-account: ${error.message}`);
  process.exit(1);
}
