//! The whole flow on the four-hospital network, as its users run it: real
//! ehr-node processes and the `ehr` binary, with key files and passphrases
//! from the environment as a script would give them.
//!
//! Hospital A adds a FHIR record for a patient; the patient lists it; the
//! patient grants a clinician of hospital B one record, 2 of 3 proxies
//! (A, B, C), for treatment; the clinician requests and fetches a
//! byte-identical body; a request for another record is refused; with one
//! proxy node killed, two still deliver; after a revoke the clinician's
//! request is refused; a grant with a short expiry stops working after it;
//! the patient's log shows every step with its actor.

use ehr_test_utils::{
	chain::Chain,
	cli::{new_user, register, ws, Role},
	local_network,
};
use std::time::Duration;
use tempfile::TempDir;

const CHAIN_TIMEOUT: Duration = Duration::from_secs(90);

fn step(text: &str) {
	eprintln!("[end_to_end] {text}");
}

#[test]
fn a_record_travels_from_hospital_a_to_a_clinician_at_hospital_b_under_the_patients_control() {
	let mut net = local_network();
	net.alice.wait_for(CHAIN_TIMEOUT, "blocks to be produced", |n| Ok(n.best_number()? >= 2));
	let dir = TempDir::with_prefix("ehr-end-to-end-").expect("a temporary folder");

	step("operators: the nodes of hospitals A, B and C register their own proxies (development keys)");
	net.proxies_of_a_b_and_c(&Chain::connect(&net.alice));

	step("staff of hospitals A and B, a patient and a clinician make key files");
	let hospital_a = new_user(&dir, "hospital-a", &ws(&net.alice), Some("//Alice"));
	let hospital_b = new_user(&dir, "hospital-b", &ws(&net.bob), Some("//Bob"));
	let patient = new_user(&dir, "patient", &ws(&net.alice), None);
	let clinician = new_user(&dir, "clinician", &ws(&net.bob), None);

	step("hospital A registers the patient; hospital B registers the clinician");
	let patient_account = register(&hospital_a, &patient, Role::Patient);
	let clinician_account = register(&hospital_b, &clinician, Role::Provider);

	step("hospital A publishes its node's public endpoint; anyone lists the hospitals");
	hospital_a.ok(&["hospital", "endpoints", &ws(&net.alice)]);
	let hospitals = patient.ok(&["hospital", "list"]);
	let listed_a = hospitals
		.as_array()
		.expect("a list")
		.iter()
		.find(|h| h["name"] == "Hospital A (Alice)")
		.expect("hospital A is listed");
	assert_eq!(listed_a["endpoints"], serde_json::json!([ws(&net.alice)]), "{hospitals}");
	let reason = hospital_a.refused(&["hospital", "endpoints", "https://user:secret@example.org/?q=1"]);
	assert!(reason.contains("not a ws:// or wss:// URL"), "{reason}");

	step("hospital A adds a FHIR Observation and a second record for the patient");
	let fhir = br#"{"resourceType":"Observation","id":"bp-1","status":"final","code":{"text":"blood pressure"},"effectiveDateTime":"2026-11-20T09:30:00Z","valueQuantity":{"value":128,"unit":"mmHg"}}"#;
	let fhir_path = dir.path().join("observation.json");
	std::fs::write(&fhir_path, fhir).expect("writing the FHIR file");
	let other_path = dir.path().join("discharge-letter.txt");
	std::fs::write(&other_path, b"a second document").expect("writing the second file");
	let added = hospital_a.ok(&["record", "add", fhir_path.to_str().expect("utf-8"), "--patient", &patient_account]);
	let record = added["record"].as_u64().expect("a record id");
	let other = hospital_a.ok(&["record", "add", other_path.to_str().expect("utf-8"), "--patient", &patient_account])
		["record"]
		.as_u64()
		.expect("a record id");

	step("the patient lists their records and reads the metadata");
	let listed = patient.ok(&["record", "list"]);
	let entry = listed
		.as_array()
		.expect("a list")
		.iter()
		.find(|r| r["id"].as_u64() == Some(record))
		.expect("the record is listed");
	assert_eq!(entry["resourceType"], "Observation");
	assert_eq!(entry["date"], "2026-11-20T09:30:00Z");
	assert_eq!(entry["custodianName"], "Hospital A (Alice)");

	step("the patient grants the clinician that record, 2 of 3 proxies A, B, C, for treatment");
	let proxies = "Hospital A (Alice),Hospital B (Bob),Hospital C (Charlie)";
	let record_text = record.to_string();
	let grant = patient.ok(&[
		"grant",
		"--to",
		&clinician_account,
		"--records",
		&record_text,
		"--threshold",
		"2",
		"--proxies",
		proxies,
		"--purpose",
		"treatment",
	])["grant"]
		.as_u64()
		.expect("a grant id");
	let grant_text = grant.to_string();

	step("the clinician, on hospital B's node, requests and fetches a byte-identical body from hospital A,");
	step("whose node the client finds from the endpoint hospital A published");
	let request =
		clinician.ok(&["request", &record_text, "--grant", &grant_text])["request"].as_u64().expect("a request id");
	let fetched = dir.path().join("fetched.json");
	let result = clinician.ok(&["fetch", &request.to_string(), "-o", fetched.to_str().expect("utf-8")]);
	assert_eq!(std::fs::read(&fetched).expect("the fetched file"), fhir, "the body round-trips byte for byte");
	assert_eq!(result["metadata"]["resourceType"], "Observation");

	step("the patient reads their own record's body");
	let own = dir.path().join("own.json");
	let result = patient.ok(&["record", "fetch", &record_text, "-o", own.to_str().expect("utf-8")]);
	assert_eq!(std::fs::read(&own).expect("the patient's copy"), fhir, "the patient's read round-trips");
	assert_eq!(result["metadata"]["resourceType"], "Observation");
	assert!(result["metadata"].get("bodyKey").is_none(), "no body key in printed output: {result}");
	let reason = clinician.refused(&["record", "fetch", &record_text, "-o", "x.json"]);
	assert!(reason.contains("not yours"), "{reason}");

	step("a request for a record outside the grant is refused");
	let reason = clinician.refused(&["request", &other.to_string(), "--grant", &grant_text]);
	assert!(reason.contains("Ehr."), "the refusal names the chain's reason: {reason}");

	step("with hospital C's node down, A and B still deliver");
	net.charlie.kill();
	let request =
		clinician.ok(&["request", &record_text, "--grant", &grant_text])["request"].as_u64().expect("a request id");
	let fetched_again = dir.path().join("fetched-again.json");
	clinician.ok(&[
		"fetch",
		&request.to_string(),
		"-o",
		fetched_again.to_str().expect("utf-8"),
		"--custodian-url",
		&ws(&net.alice),
	]);
	assert_eq!(std::fs::read(&fetched_again).expect("the fetched file"), fhir);

	step("the patient revokes; the clinician's next request is refused");
	patient.ok(&["revoke", &grant_text]);
	let reason = clinician.refused(&["request", &record_text, "--grant", &grant_text]);
	assert!(reason.contains("Ehr."), "the refusal names the chain's reason: {reason}");

	step("a grant with a 15-second expiry stops working after it");
	let short = patient.ok(&[
		"grant",
		"--to",
		&clinician_account,
		"--records",
		&record_text,
		"--threshold",
		"2",
		"--proxies",
		proxies,
		"--expires",
		"15s",
	]);
	let short_grant = short["grant"].as_u64().expect("a grant id").to_string();
	let expires_at = short["expiresAt"].as_u64().expect("an expiry block");
	net.alice.wait_for(CHAIN_TIMEOUT, "the expiry block", |n| Ok(n.best_number()? > expires_at));
	let reason = clinician.refused(&["request", &record_text, "--grant", &short_grant]);
	assert!(reason.contains("Ehr."), "the refusal names the chain's reason: {reason}");

	step("the patient's log shows every step with its actor");
	let log = patient.ok(&["log"]);
	let has = |action: &str, actor: &str| logged(&log, action, actor);
	assert!(has("record-created", "Hospital A"), "record creation by hospital A: {log}");
	assert!(has("grant-created", "you"), "the patient's grant: {log}");
	assert!(has("access-requested", &clinician_account), "the clinician's request: {log}");
	assert!(has("cfrag-accepted", "Hospital B"), "hospital B's re-encryption: {log}");
	assert!(has("request-ready", ""), "a ready request: {log}");
	assert!(has("fetch-confirmed", "Hospital A"), "hospital A serving the body: {log}");
	assert!(has("grant-revoked", "you"), "the revocation: {log}");

	step("the patient rotates their keys: records are re-keyed, the live grant is listed to re-issue");
	let live = patient.ok(&["grant", "--to", &clinician_account, "--all", "--threshold", "2", "--proxies", proxies])
		["grant"]
		.as_u64()
		.expect("a grant id");
	let rotated = patient.ok(&["keys", "rotate"]);
	assert_eq!(rotated["rekeyed"], 2, "both records re-keyed: {rotated}");
	let reissue = rotated["grantsToReissue"].as_array().expect("a list");
	assert!(reissue.iter().any(|g| g["grant"].as_u64() == Some(live)), "the live grant is listed: {rotated}");
	let grants = patient.ok(&["grants"]);
	let stale = grants.as_array().expect("a list").iter().find(|g| g["id"].as_u64() == Some(live)).expect("listed");
	assert_eq!(stale["keysRotated"], true, "ehr grants marks it: {grants}");
	let reason = clinician.refused(&["request", &record_text, "--grant", &live.to_string()]);
	assert!(reason.contains("GrantKeysRotated"), "the old grant no longer works: {reason}");
	let listed = patient.ok(&["record", "list"]);
	assert!(
		listed.as_array().expect("a list").iter().any(|r| r["resourceType"] == "Observation"),
		"the patient still reads the re-keyed metadata: {listed}"
	);

	step("a new grant under the new keys reaches the clinician, body and all");
	let fresh = patient.ok(&["grant", "--to", &clinician_account, "--all", "--threshold", "2", "--proxies", proxies])
		["grant"]
		.as_u64()
		.expect("a grant id");
	let request = clinician.ok(&["request", &record_text, "--grant", &fresh.to_string()])["request"]
		.as_u64()
		.expect("a request id");
	let again = dir.path().join("fetched-after-rotation.json");
	clinician.ok(&[
		"fetch",
		&request.to_string(),
		"-o",
		again.to_str().expect("utf-8"),
		"--custodian-url",
		&ws(&net.alice),
	]);
	assert_eq!(std::fs::read(&again).expect("fetched"), std::fs::read(&fhir_path).expect("original"));

	step("hospital A retires the second record: the patient sees until when it can be undone, reads it, restores it");
	let other_text = other.to_string();
	let retired = hospital_a.ok(&["record", "retire", &other_text]);
	let kept_until = retired["bodyKeptUntil"].as_u64().expect("the block the body is kept until");
	let listed = patient.ok(&["record", "list"]);
	let entry = listed.as_array().expect("a list").iter().find(|r| r["id"].as_u64() == Some(other)).expect("listed");
	assert_eq!(entry["bodyKeptUntil"].as_u64(), Some(kept_until), "ehr record list says until when: {listed}");
	let kept = dir.path().join("retired-but-kept.txt");
	patient.ok(&["record", "fetch", &other_text, "-o", kept.to_str().expect("utf-8")]);
	assert_eq!(std::fs::read(&kept).expect("fetched"), std::fs::read(&other_path).expect("original"), "still readable");
	let reason = clinician.refused(&["record", "restore", &other_text]);
	assert!(reason.contains("not yours"), "only the patient restores: {reason}");
	let restored = patient.ok(&["record", "restore", &other_text]);
	assert_eq!(restored["restored"], serde_json::json!([other]), "{restored}");
	let listed = patient.ok(&["record", "list"]);
	let entry = listed.as_array().expect("a list").iter().find(|r| r["id"].as_u64() == Some(other)).expect("listed");
	assert!(entry["retiredAt"].is_null(), "in use again: {listed}");
	let log = patient.ok(&["log"]);
	assert!(logged(&log, "record-retired", "Hospital A"), "the retirement and who made it: {log}");
	assert!(logged(&log, "record-restored", "you"), "the restore: {log}");
}

/// Whether `ehr log`'s JSON `log` holds an entry of `action` whose actor's
/// name contains `actor`.
fn logged(log: &serde_json::Value, action: &str, actor: &str) -> bool {
	log.as_array()
		.expect("a list")
		.iter()
		.any(|e| e["action"] == action && e["actorName"].as_str().is_some_and(|a| a.contains(actor)))
}
