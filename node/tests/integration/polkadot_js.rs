//! polkadot-js, as patients and operators use it: @polkadot/api connects to a
//! running node with no type definitions, decodes all metadata, reads a
//! patient's records, grants and audit log through the runtime API, asks for
//! the (zero) fee, signs a revoke with a keyring account and sees its event.
//!
//! The JavaScript side is node/tests/polkadot-js/check.mjs; its npm
//! dependencies are pinned in package-lock.json and installed by
//! scripts/test (`npm ci`).

use ehr_primitives::{umbral_codec, Grant, PatientInfo, ProxyInfo, Record, RecordId, Scope};
use ehr_runtime::{AccountId, BlockNumber, EhrCall};
use ehr_test_utils::{
	chain::Chain,
	ehr::{bytes, grant, own_proxy, register_patient, register_provider, sealed_kfrags},
	run_with_timeout, Node,
};
use sp_core::{sr25519, Pair, H256};
use sp_keyring::Sr25519Keyring;
use std::{path::Path, process::Command, time::Duration};
use umbral_pre::{encrypt, SecretKey, Signer};

const CHAIN_TIMEOUT: Duration = Duration::from_secs(90);
/// The patient's polkadot-js keyring URI.
const PATIENT_URI: &str = "//PolkadotJsPatient";

fn step(text: &str) {
	eprintln!("[polkadot_js] {text}");
}

#[test]
fn polkadot_js_reads_a_patients_data_and_signs_a_revoke_without_type_definitions() {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/polkadot-js");
	assert!(
		dir.join("node_modules/@polkadot/api").is_dir(),
		"the npm dependencies of {} are missing; run scripts/test, or `npm ci` in that folder",
		dir.display()
	);

	let mut node = Node::start("alice", "dev", &[], None, None);
	node.wait_for(CHAIN_TIMEOUT, "block #2", |node| Ok(node.best_number()? >= 2));
	let chain = Chain::connect(&node);
	let alice = Sr25519Keyring::Alice;

	step("the development hospital registers its proxy, a patient and a clinician");
	let proxies = [own_proxy(&chain, &node, alice)];
	let patient = sr25519::Pair::from_string(PATIENT_URI, None).expect("dev seed");
	let patient_id: AccountId = patient.public().into();
	let clinician = sr25519::Pair::from_string("//PolkadotJsClinician", None).expect("dev seed");
	let clinician_id: AccountId = clinician.public().into();
	let (patient_sk, patient_signer, clinician_sk) =
		(SecretKey::random(), Signer::new(SecretKey::random()), SecretKey::random());
	register_patient(&chain, &alice.pair(), &patient, &patient_sk, &patient_signer);
	register_provider(&chain, &alice.pair(), &clinician, &clinician_sk);
	chain.wait(CHAIN_TIMEOUT, "proxy and patient on chain", |c| {
		let proxies: Vec<(AccountId, ProxyInfo<AccountId>)> = c.call("EhrApi_proxies", ())?;
		let registered: Option<PatientInfo<AccountId>> = c.call("EhrApi_patient", patient_id.clone())?;
		Ok((!proxies.is_empty() && registered.is_some()).then_some(()))
	});

	step("the hospital creates a record; the patient grants the clinician access");
	let body_hash = H256::repeat_byte(0x5a);
	let (capsule, envelope) = encrypt(&patient_sk.public_key(), b"metadata envelope").expect("encrypts");
	chain
		.submit(
			&alice.pair(),
			EhrCall::create_record {
				patient: patient_id.clone(),
				capsule: bytes(umbral_codec::encode(&capsule).expect("encodes")),
				encrypted_metadata: bytes(envelope.to_vec()),
				body_hash,
				body_size: 1234,
			},
		)
		.expect("create_record");
	let record = chain.wait(CHAIN_TIMEOUT, "the record", |c| {
		let found: Option<(RecordId, Record<AccountId, BlockNumber>)> =
			c.call("EhrApi_record_by_body_hash", (body_hash, Some(alice.to_account_id())))?;
		Ok(found.map(|(id, _)| id))
	});
	let kfrags = sealed_kfrags(&patient_sk, &patient_signer, &clinician_sk.public_key(), 1, &proxies, None);
	let scope = Scope::Records(vec![record].try_into().expect("one record"));
	let grant = grant(&chain, &patient, clinician_id, scope, 1, kfrags);

	step("polkadot-js reads, asks the fee, signs the revoke and sees the event");
	let mut command = Command::new("node");
	command.current_dir(&dir).args([
		"check.mjs",
		"--url",
		&format!("ws://127.0.0.1:{}", node.rpc_port()),
		"--patient",
		PATIENT_URI,
		"--grant",
		&grant.to_string(),
	]);
	let out = run_with_timeout(&mut command, Duration::from_secs(180), "node check.mjs");
	assert!(out.status.success(), "the polkadot-js check failed ({}):\n{}\n{}", out.status, out.stderr, out.stdout);
	eprintln!("{}", out.stdout);
	// The JSON summary check.mjs prints last. @polkadot/api 16.5 asks for the
	// newest metadata version it supports among those the runtime serves.
	let summary: serde_json::Value = out
		.stdout
		.find('{')
		.and_then(|start| serde_json::from_str(&out.stdout[start..]).ok())
		.unwrap_or_else(|| panic!("check.mjs printed no JSON summary:\n{}", out.stdout));
	assert_eq!(summary["metadataVersion"], 16, "polkadot-js did not read metadata v16: {summary}");
	let grants: Vec<(u64, Grant<AccountId, BlockNumber>)> =
		chain.grants_of_patient(&patient_id).expect("reading the grants");
	assert!(
		grants.iter().any(|(id, g)| *id == grant && g.revoked_at.is_some()),
		"the grant polkadot-js revoked is not marked revoked"
	);
	node.assert_running();
}

/// Issue 16, item 1's accounts: a patient's account made by `ehr keys new`
/// opens in polkadot-js (the extension's keyring) from the JSON file `ehr
/// keys export-account` writes, with the key file's passphrase, and from the
/// mnemonic `ehr keys new` showed; polkadot-js then signs as the account
/// `ehr` signs as. A wrong passphrase does not open it. No chain is needed.
#[test]
fn an_account_made_by_ehr_opens_in_polkadot_js_from_its_json_file_and_its_mnemonic() {
	use ehr_test_utils::cli::{ehr_binary, PASSPHRASE};
	let dir = tempfile::TempDir::with_prefix("ehr-account-export-").expect("a temporary folder");
	let key_file = dir.path().join("patient.json");
	let ehr = |args: &[&str]| {
		let mut command = Command::new(ehr_binary());
		command.env("EHR_PASSPHRASE", PASSPHRASE).env("EHR_KEY_FILE", &key_file).arg("--json").args(args);
		let out = run_with_timeout(&mut command, Duration::from_secs(60), &format!("ehr {}", args.join(" ")));
		assert!(out.status.success(), "ehr {} failed: {}", args.join(" "), out.stderr);
		serde_json::from_str::<serde_json::Value>(&out.stdout).expect("ehr prints JSON")
	};

	step("a patient makes keys: a new account with a 12-word mnemonic shown once");
	let made = ehr(&["keys", "new"]);
	let mnemonic = made["mnemonic"].as_str().expect("a new account comes with its mnemonic").to_owned();
	assert_eq!(mnemonic.split(' ').count(), 12, "{made}");
	let account = made["public"]["account"].as_str().expect("the account").to_owned();
	assert!(ehr(&["keys", "show"]).get("mnemonic").is_none(), "the mnemonic is shown only once");

	step("the patient exports the account for the extension");
	let exported = dir.path().join("account.json");
	ehr(&["keys", "export-account", "-o", exported.to_str().expect("utf-8"), "--name", "Patient"]);
	let mut again = Command::new(ehr_binary());
	again.env("EHR_PASSPHRASE", PASSPHRASE).env("EHR_KEY_FILE", &key_file).args([
		"keys",
		"export-account",
		"-o",
		exported.to_str().expect("utf-8"),
	]);
	let out = run_with_timeout(&mut again, Duration::from_secs(60), "ehr keys export-account again");
	assert!(!out.status.success(), "an existing file is never written over");

	step("polkadot-js restores it from the file and from the mnemonic, and signs as the account");
	let js = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/polkadot-js");
	let mut command = Command::new("node");
	command.current_dir(&js).arg("check-account.mjs").arg(&exported).arg(PASSPHRASE).arg(&mnemonic);
	let out = run_with_timeout(&mut command, Duration::from_secs(60), "node check-account.mjs");
	assert!(out.status.success(), "polkadot-js could not restore the account:\n{}\n{}", out.stderr, out.stdout);
	let summary: serde_json::Value = serde_json::from_str(out.stdout.trim()).expect("check-account.mjs prints JSON");
	assert_eq!(summary["jsonAddress"], account.as_str(), "{summary}");
	assert_eq!(summary["mnemonicAddress"], account.as_str(), "{summary}");
	assert_eq!(summary["name"], "Patient", "{summary}");
	assert_eq!(summary["wrongRefused"], true, "a wrong passphrase must not open the file: {summary}");
	let hex_field = |field: &str| hex::decode(summary[field].as_str().unwrap_or("").trim_start_matches("0x"));
	let message = hex_field("message").expect("hex");
	let signature: [u8; 64] = hex_field("signature").expect("hex").try_into().expect("64 bytes");
	use sp_core::crypto::Ss58Codec;
	let public = sr25519::Public::from_ss58check(&account).expect("an SS58 account");
	assert!(
		sr25519::Pair::verify(&sr25519::Signature::from_raw(signature), &message, &public),
		"polkadot-js signs as the account ehr made"
	);
}
