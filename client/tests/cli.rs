//! The `ehr` binary's behaviour without a chain: key files, and bad input
//! refused with one sentence and a non-zero exit before anything changes.

use std::{
	path::Path,
	process::{Command, Output},
};

const EHR: &str = env!("CARGO_BIN_EXE_ehr");
/// A port nothing listens on.
const NO_NODE: &str = "ws://127.0.0.1:9";

fn ehr(key: &Path, passphrase: &str, args: &[&str]) -> Output {
	Command::new(EHR)
		.env("EHR_KEY_FILE", key)
		.env("EHR_PASSPHRASE", passphrase)
		.env("EHR_URL", NO_NODE)
		.env_remove("EHR_ACCOUNT_URI")
		.args(args)
		.output()
		.expect("the ehr binary runs")
}

/// The one `error:` line of a refused command.
fn refusal(out: &Output) -> String {
	assert!(!out.status.success(), "the command should have failed: {}", String::from_utf8_lossy(&out.stdout));
	let stderr = String::from_utf8_lossy(&out.stderr);
	let errors: Vec<_> = stderr.lines().filter(|l| l.starts_with("error")).collect();
	assert_eq!(errors.len(), 1, "one error sentence expected, got: {stderr}");
	errors[0].to_owned()
}

#[test]
fn key_files_are_made_shown_exported_and_protected() {
	let dir = tempfile::tempdir().expect("a temporary folder");
	let key = dir.path().join("me.json");

	let made = ehr(&key, "a good passphrase", &["--json", "keys", "new"]);
	assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
	let made: serde_json::Value = serde_json::from_slice(&made.stdout).expect("json");
	let account = made["public"]["account"].as_str().expect("an account").to_owned();
	let mnemonic = made["mnemonic"].as_str().expect("a new account's mnemonic, shown once");
	assert_eq!(mnemonic.split(' ').count(), 12);

	// Showing needs no passphrase. Exporting signs the ownership proofs, so it
	// needs the passphrase and the node (for the chain's genesis hash); the
	// export itself is tested against a real node (end_to_end).
	let shown = ehr(&key, "", &["--json", "keys", "show"]);
	let shown: serde_json::Value = serde_json::from_slice(&shown.stdout).expect("json");
	assert_eq!(shown["account"], account.as_str());
	let public = dir.path().join("me.public.json");
	let export = ["keys", "export-public", "-o", public.to_str().expect("utf-8")];
	assert!(refusal(&ehr(&key, "the wrong one", &export)).contains("wrong passphrase"));
	assert!(refusal(&ehr(&key, "a good passphrase", &export)).contains(NO_NODE));
	assert!(!public.exists(), "nothing is written when the export fails");

	// The account for polkadot-js: only with the passphrase, never over a
	// file (polkadot_js in the integration tests opens it with
	// @polkadot/keyring).
	let account_file = dir.path().join("account.json");
	let export_account = ["keys", "export-account", "-o", account_file.to_str().expect("utf-8")];
	assert!(refusal(&ehr(&key, "the wrong one", &export_account)).contains("wrong passphrase"));
	assert!(!account_file.exists(), "nothing is written when the passphrase is wrong");
	assert!(ehr(&key, "a good passphrase", &export_account).status.success());
	let text = std::fs::read_to_string(&account_file).expect("the account file");
	let file: serde_json::Value = serde_json::from_str(&text).expect("json");
	assert_eq!(file["address"], account.as_str());
	assert_eq!(file["encoding"]["type"], serde_json::json!(["scrypt", "xsalsa20-poly1305"]));
	assert!(refusal(&ehr(&key, "a good passphrase", &export_account)).contains("cannot write"));

	// The key file is never overwritten; a wrong passphrase opens nothing.
	let before = std::fs::read(&key).expect("the key file");
	assert!(refusal(&ehr(&key, "a good passphrase", &["keys", "new"])).contains("already exists"));
	assert_eq!(std::fs::read(&key).expect("the key file"), before);
	assert!(refusal(&ehr(&key, "the wrong one", &["record", "list"])).contains("wrong passphrase"));
	assert!(refusal(&ehr(&dir.path().join("none.json"), "x", &["keys", "show"])).contains("ehr keys new"));
	assert!(refusal(&ehr(&dir.path().join("short.json"), "short", &["keys", "new"])).contains("at least 8"));
}

#[test]
fn bad_input_is_refused_with_one_sentence() {
	let dir = tempfile::tempdir().expect("a temporary folder");
	let key = dir.path().join("me.json");
	assert!(ehr(&key, "a good passphrase", &["keys", "new"]).status.success());
	let run = |args: &[&str]| refusal(&ehr(&key, "a good passphrase", args));

	assert!(run(&["grant", "--to", "not-an-address", "--records", "1", "--proxies", "A,B"]).contains("SS58"));
	assert!(run(&[
		"grant",
		"--to",
		"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"--records",
		"1",
		"--proxies",
		"A",
		"--threshold",
		"2"
	])
	.contains("--threshold"));
	assert!(run(&[
		"grant",
		"--to",
		"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY",
		"--records",
		"1",
		"--proxies",
		"A",
		"--purpose",
		"curiosity"
	])
	.contains("purpose"));
	assert!(run(&["record", "add", "/nonexistent/file.json", "--patient", "not-an-address"]).contains("SS58"));
	let existing = dir.path().join("exists.bin");
	std::fs::write(&existing, b"keep me").expect("a file");
	assert!(run(&["fetch", "0", "-o", existing.to_str().expect("utf-8")]).contains("already exists"));
	assert_eq!(std::fs::read(&existing).expect("the file"), b"keep me");
	assert!(run(&["grants"]).contains("is the node running"));

	// --json puts the error in the JSON document too.
	let out = ehr(&key, "a good passphrase", &["--json", "grants"]);
	let printed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json on stdout");
	assert!(printed["error"].as_str().is_some_and(|e| e.contains("is the node running")));
}
