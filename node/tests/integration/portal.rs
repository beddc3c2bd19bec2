//! The patient portal (web/), as a patient uses it, in a real browser on the
//! four-hospital network.
//!
//! This side sets the scene with real nodes and the `ehr` binary: proxies
//! of hospitals A, B and C, a patient whose key file and 12 words `ehr keys
//! new` made, a clinician of hospital B, two records added by hospital A.
//! It builds the portal, serves it with a plain static file server and runs
//! two Node scripts in web/tests:
//! - compat.test.mjs: the page's key file, account and Umbral code against
//!   the `ehr` client's (both ways) and the chain's canonical encoding;
//! - portal.test.mjs: headless Chromium (puppeteer-core) drives the page
//!   through connecting, unlocking, records, opening one, sharing 2-of-3,
//!   the audit log, revoking and the failures, with the extension injected
//!   through @polkadot/extension-inject and backed by a keyring account.
//!   The clinician's side runs `ehr request` and `ehr fetch`. Screenshots
//!   of each screen go to the target folder's `test-artifacts/portal`.

use ehr_primitives::{umbral_codec, NewRecord, Record, RecordId};
use ehr_runtime::{AccountId, BlockNumber, EhrCall};
use ehr_test_utils::{
	chain::Chain,
	cli::{ehr_binary, new_user, new_user_with_mnemonic, register, ws, Role, PASSPHRASE},
	ehr::{bytes, umbral_public},
	free_port, local_network,
	web::{build_portal, chromium, node_script, StaticServer},
};
use sp_core::{crypto::Ss58Codec, H256};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BoundedVec;
use std::{path::PathBuf, time::Duration};
use tempfile::TempDir;
use umbral_pre::encrypt;

const CHAIN_TIMEOUT: Duration = Duration::from_secs(90);
/// Records added in one batch besides the two the test opens: with them the
/// patient has 26 records, two pages of the portal's 20.
const PAGED_RECORDS: u32 = 24;
/// The longest the browser walk-through may take.
const BROWSER_TIMEOUT: Duration = Duration::from_secs(900);

fn step(text: &str) {
	eprintln!("[portal] {text}");
}

/// Where the walk-through's screenshots are kept: beside the build, in the
/// shared target folder, so a failed run leaves them to look at.
fn screenshots() -> PathBuf {
	let exe = std::env::current_exe().expect("the test executable");
	// target/<profile>/deps/<test> → target/test-artifacts/portal
	exe.ancestors().nth(3).expect("the target folder").join("test-artifacts/portal")
}

#[test]
fn a_patient_sees_opens_shares_and_revokes_records_in_the_portal_in_a_real_browser() {
	let chromium = chromium();
	let dir = TempDir::with_prefix("ehr-portal-").expect("a temporary folder");
	let site = dir.path().join("site");
	step("the portal is built from web/");
	build_portal(&site);

	let mut net = local_network();
	net.alice.wait_for(CHAIN_TIMEOUT, "blocks to be produced", |n| Ok(n.best_number()? >= 2));

	step("hospitals A, B and C register their proxies");
	net.proxies_of_a_b_and_c(&Chain::connect(&net.alice));

	step("a patient and a clinician make key files with `ehr`; hospitals A and B register them");
	let hospital_a = new_user(&dir, "hospital-a", &ws(&net.alice), Some("//Alice"));
	let hospital_b = new_user(&dir, "hospital-b", &ws(&net.bob), Some("//Bob"));
	let (patient, mnemonic) = new_user_with_mnemonic(&dir, "patient", &ws(&net.alice));
	let clinician = new_user(&dir, "clinician", &ws(&net.bob), None);
	let patient_account = register(&hospital_a, &patient, Role::Patient);
	let clinician_account = register(&hospital_b, &clinician, Role::Provider);
	hospital_a.ok(&["hospital", "endpoints", &ws(&net.alice)]);

	step("hospital A adds a FHIR Observation and a letter for the patient");
	let fhir = br#"{"resourceType":"Observation","id":"bp-1","status":"final","code":{"text":"blood pressure"},"effectiveDateTime":"2026-11-20T09:30:00Z","valueQuantity":{"value":128,"unit":"mmHg"}}"#;
	let fhir_path = dir.path().join("observation.json");
	std::fs::write(&fhir_path, fhir).expect("writing the FHIR file");
	let letter_path = dir.path().join("discharge-letter.txt");
	std::fs::write(&letter_path, b"Discharged in good health.\n").expect("writing the letter");
	let patient_arg = patient_account.as_str();
	let patient_id = AccountId::from_ss58check(patient_arg).expect("an SS58 account");
	let letter = hospital_a.ok(&["record", "add", letter_path.to_str().expect("utf-8"), "--patient", patient_arg])
		["record"]
		.as_u64()
		.expect("a record id");

	step("hospital A registers 24 scanned documents in one batch, so the records take two pages");
	let patient_key = umbral_public(patient.ok(&["keys", "show"])["publicKey"].as_str().expect("the public key"));
	let scans: Vec<NewRecord<AccountId>> = (0..PAGED_RECORDS)
		.map(|i| {
			let envelope = serde_json::json!({
				"fileName": format!("scan-{i:02}.pdf"),
				"mediaType": "application/octet-stream",
				"size": 1000 + i,
				"bodyKey": hex::encode([0u8; 32]),
			});
			let (capsule, sealed) = encrypt(&patient_key, envelope.to_string().as_bytes()).expect("encrypts");
			NewRecord {
				patient: patient_id.clone(),
				capsule: bytes(umbral_codec::encode(&capsule).expect("a capsule encodes")),
				encrypted_metadata: bytes(sealed.to_vec()),
				body_hash: H256::repeat_byte(i as u8 + 1),
				body_size: 1024 + u64::from(i),
				source: None,
			}
		})
		.collect();
	let chain = Chain::connect(&net.alice);
	chain
		.submit(&Sr25519Keyring::Alice.pair(), EhrCall::create_records { records: BoundedVec::truncate_from(scans) })
		.expect("create_records is accepted");
	chain.wait(CHAIN_TIMEOUT, "the batch on chain", |c| {
		let records: Vec<(RecordId, Record<AccountId, BlockNumber>)> =
			c.call("EhrApi_records_of_patient", (patient_id.clone(), 0u32, 256u32))?;
		Ok((records.len() > PAGED_RECORDS as usize).then_some(()))
	});
	let record = hospital_a.ok(&["record", "add", fhir_path.to_str().expect("utf-8"), "--patient", patient_arg])
		["record"]
		.as_u64()
		.expect("a record id");

	let ehr = ehr_binary().to_string_lossy().into_owned();
	step("the page's cryptography against the client's (web/tests/compat.test.mjs)");
	let compat = node_script("tests/compat.test.mjs", &[("EHR_BIN", ehr.clone())], Duration::from_secs(300));
	assert!(compat.status.success(), "compat.test.mjs failed:\n{}\n{}", compat.stdout, compat.stderr);

	step("the walk-through in headless Chromium (web/tests/portal.test.mjs)");
	let server = StaticServer::start(&site);
	let shots = screenshots();
	let env = [
		("PORTAL_URL", server.url()),
		("RPC_URL", ws(&net.alice)),
		("UNREACHABLE_URL", format!("ws://127.0.0.1:{}", free_port())),
		("PATIENT_KEY", patient.key_file().to_string_lossy().into_owned()),
		("PATIENT_MNEMONIC", mnemonic),
		("RECORD_ID", record.to_string()),
		("RECORD_FILE", fhir_path.to_string_lossy().into_owned()),
		("OTHER_RECORD_ID", letter.to_string()),
		("RECORD_COUNT", (PAGED_RECORDS + 2).to_string()),
		("CLINICIAN_KEY", clinician.key_file().to_string_lossy().into_owned()),
		("CLINICIAN_URL", clinician.url().to_owned()),
		("CLINICIAN", clinician_account),
		("HOSPITALS", "Hospital A (Alice),Hospital B (Bob),Hospital C (Charlie)".to_owned()),
		("EHR_BIN", ehr),
		("EHR_PASSPHRASE", PASSPHRASE.to_owned()),
		("CHROMIUM", chromium.to_string_lossy().into_owned()),
		("SCREENSHOTS", shots.to_string_lossy().into_owned()),
	];
	let walk = node_script("tests/portal.test.mjs", &env, BROWSER_TIMEOUT);
	assert!(
		walk.status.success(),
		"portal.test.mjs failed (screenshots in {}):\n{}\n{}",
		shots.display(),
		walk.stdout,
		walk.stderr
	);
	eprintln!("{}", walk.stderr);
	step(&format!("passed; screenshots in {}", shots.display()));
}
