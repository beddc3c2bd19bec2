// SPDX-License-Identifier: GPL-3.0-only
//
// What a patient's wallet software does, with @polkadot/api and no type
// definitions at all: connect, decode every type in the metadata, read the
// patient's records, grants and audit log through the EhrApi runtime API,
// ask for the fee of a revoke (zero), sign the revoke with a keyring account
// and see its event.
//
// Usage: node check.mjs --url ws://127.0.0.1:9944 --patient //Seed --grant ID
// Exits 0 and prints a JSON summary on success; prints the reason and exits 1
// otherwise. Run by node/tests/polkadot_js.rs, which prepares the chain.

import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';

const TIMEOUT_MS = 120_000;

function args() {
  const out = {};
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || argv[i + 1] === undefined) {
      throw new Error(`bad arguments: ${argv.join(' ')}`);
    }
    out[argv[i].slice(2)] = argv[i + 1];
  }
  for (const name of ['url', 'patient', 'grant']) {
    if (!out[name]) throw new Error(`missing --${name}`);
  }
  return out;
}

function check(condition, message) {
  if (!condition) throw new Error(message);
}

async function main() {
  const { url, patient: patientUri, grant } = args();
  const api = await ApiPromise.create({ provider: new WsProvider(url), noInitWarn: true, throwOnConnect: true });
  const summary = {};

  // Every type of the metadata decodes from its default encoding.
  const { lookup } = api.runtimeMetadata.asLatest;
  for (const { id } of lookup.types) {
    const name = api.registry.createLookupType(id);
    api.registry.createType(name);
  }
  summary.metadataVersion = api.runtimeMetadata.version;
  summary.types = lookup.types.length;
  summary.pallets = api.runtimeMetadata.asLatest.pallets.map((p) => p.name.toString());
  check(api.tx.ehr && api.tx.ehr.revoke, 'the metadata lists no ehr.revoke call');
  check(api.call.ehrApi, 'the metadata lists no EhrApi runtime API');
  summary.signedExtensions = api.registry.signedExtensions;

  const keyring = new Keyring({ type: 'sr25519' });
  const patient = keyring.addFromUri(patientUri);

  // The patient's own data, through the runtime API.
  const records = await api.call.ehrApi.recordsOfPatient(patient.address, 0, 50);
  const grants = (await api.call.ehrApi.grantsOfPatient(patient.address, null, 256)).items;
  const logBefore = (await api.call.ehrApi.auditLogLen(patient.address)).toNumber();
  const log = await api.call.ehrApi.auditLog(patient.address, 0, 50);
  check(records.length > 0, 'the patient has no records');
  check(grants.length > 0, 'the patient has no grants');
  check(log.length === logBefore && logBefore > 0, 'the audit log is empty or inconsistent');
  summary.records = records.map(([id, record]) => ({ id: id.toNumber(), custodian: record.custodian.toString(), size: record.bodySize.toNumber() }));
  summary.grants = grants.map(([id, g]) => ({ id: id.toNumber(), grantee: g.grantee.toString(), purpose: g.purpose.toString() }));
  summary.auditLog = log.map((entry) => entry.action.toString());

  // The fee query polkadot-js apps makes before signing: zero.
  const revoke = api.tx.ehr.revoke(grant);
  const info = await revoke.paymentInfo(patient);
  check(info.partialFee.isZero(), `the fee is ${info.partialFee.toString()}, not zero`);
  summary.fee = info.partialFee.toString();

  // Sign with the keyring account, submit, and see the event.
  const event = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no GrantRevoked event within 2 minutes')), TIMEOUT_MS);
    revoke
      .signAndSend(patient, ({ status, events, dispatchError }) => {
        if (dispatchError) {
          clearTimeout(timer);
          const reason = dispatchError.isModule ? JSON.stringify(api.registry.findMetaError(dispatchError.asModule)) : dispatchError.toString();
          reject(new Error(`the revoke failed: ${reason}`));
          return;
        }
        if (status.isInBlock) {
          const found = events.find(({ event }) => api.events.ehr.GrantRevoked.is(event));
          clearTimeout(timer);
          if (found) resolve(found.event.toHuman());
          else reject(new Error(`no GrantRevoked event in block ${status.asInBlock.toHex()}`));
        }
      })
      .catch((error) => {
        clearTimeout(timer);
        reject(error);
      });
  });
  summary.event = event;
  const logAfter = (await api.call.ehrApi.auditLogLen(patient.address)).toNumber();
  check(logAfter > logBefore, 'the revoke is not in the audit log');
  summary.auditLogLength = logAfter;

  await api.disconnect();
  console.log(JSON.stringify(summary, null, 2));
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(`polkadot-js check failed: ${error.message}`);
    process.exit(1);
  },
);
