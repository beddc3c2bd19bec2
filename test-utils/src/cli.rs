//! Runs the `ehr` command line client as its users do: each [`User`] has a
//! key file protected with [`PASSPHRASE`] and talks to one node, with the
//! key file, passphrase and node given in the environment as a script would
//! give them, and every command ends within [`COMMAND_TIMEOUT`].

use crate::{run_with_timeout, workspace_binary, Finished, Node};
use serde_json::Value;
use std::{path::PathBuf, process::Command, time::Duration};
use tempfile::TempDir;

/// The longest one `ehr` command may take.
pub const COMMAND_TIMEOUT: Duration = Duration::from_secs(180);

/// The passphrase of every key file [`new_user`] makes (`EHR_PASSPHRASE`).
pub const PASSPHRASE: &str = "end-to-end test passphrase";

/// The `ehr` binary: the path in the environment variable `EHR_BIN` if it is
/// set, otherwise `ehr` next to the running test executable (where
/// `cargo test --workspace` builds it, with ehr-node). Panics, naming the
/// path tried, if there is no such file.
pub fn ehr_binary() -> PathBuf {
	workspace_binary("ehr", "EHR_BIN")
}

/// The WebSocket URL of `node`'s JSON-RPC server, as users give it to `ehr`
/// (`EHR_URL`).
pub fn ws(node: &Node) -> String {
	format!("ws://127.0.0.1:{}", node.rpc_port())
}

/// A person at a terminal: their key file and the node they talk to.
pub struct User {
	/// The key file (`EHR_KEY_FILE`).
	key: PathBuf,
	/// The node's WebSocket URL (`EHR_URL`).
	url: String,
}

impl User {
	/// The user's key file.
	pub fn key_file(&self) -> &std::path::Path {
		&self.key
	}

	/// The node the user talks to.
	pub fn url(&self) -> &str {
		&self.url
	}

	/// Runs `ehr --json ARGS` as this user.
	pub fn run(&self, args: &[&str]) -> Finished {
		let mut command = Command::new(ehr_binary());
		command
			.env("EHR_PASSPHRASE", PASSPHRASE)
			.env("EHR_KEY_FILE", &self.key)
			.env("EHR_URL", &self.url)
			.env_remove("EHR_ACCOUNT_URI")
			.arg("--json")
			.args(args);
		run_with_timeout(&mut command, COMMAND_TIMEOUT, &format!("ehr {}", args.join(" ")))
	}

	/// Runs `ehr --json ARGS`, expects success and returns the JSON it printed.
	pub fn ok(&self, args: &[&str]) -> Value {
		let out = self.run(args);
		assert!(
			out.status.success(),
			"`ehr {}` failed ({}):\n{}\n{}",
			args.join(" "),
			out.status,
			out.stderr,
			out.stdout
		);
		serde_json::from_str(&out.stdout)
			.unwrap_or_else(|e| panic!("`ehr {}` printed no JSON ({e}): {}", args.join(" "), out.stdout))
	}

	/// Runs `ehr --json ARGS`, expects a refusal and returns its one-line reason.
	pub fn refused(&self, args: &[&str]) -> String {
		let out = self.run(args);
		assert!(!out.status.success(), "`ehr {}` should have been refused:\n{}", args.join(" "), out.stdout);
		let reason = out.stderr.lines().find(|l| l.starts_with("error: ")).unwrap_or_default().to_owned();
		assert!(!reason.is_empty(), "`ehr {}` failed without an `error:` line:\n{}", args.join(" "), out.stderr);
		reason
	}
}

/// Whom a hospital registers a person as.
#[derive(Clone, Copy)]
pub enum Role {
	/// `ehr register patient`.
	Patient,
	/// `ehr register provider`.
	Provider,
}

/// `hospital` registers `person` as `role` from the public keys and proofs
/// `person`'s `ehr keys export-public` writes (beside their key file), as
/// a person hands them to a hospital; returns `person`'s account (SS58).
pub fn register(hospital: &User, person: &User, role: Role) -> String {
	let public = person.key.with_extension("public.json");
	let public = public.to_str().expect("a UTF-8 temporary path");
	person.ok(&["keys", "export-public", "-o", public]);
	let kind = match role {
		Role::Patient => "patient",
		Role::Provider => "provider",
	};
	hospital.ok(&["register", kind, public]);
	person.ok(&["keys", "show"])["account"].as_str().expect("ehr keys show prints the account").to_owned()
}

/// Makes a user named `name`: `ehr keys new` writes their key file
/// `<name>.json` in `dir`, protected with [`PASSPHRASE`]. With
/// `account_uri` (e.g. `//Alice`) the key file holds that account
/// (`EHR_ACCOUNT_URI`), otherwise a new one. The user talks to the node at
/// `url` (see [`ws`]).
pub fn new_user(dir: &TempDir, name: &str, url: &str, account_uri: Option<&str>) -> User {
	keys_new(dir, name, url, account_uri).0
}

/// [`new_user`] with a new account, and the account's 12-word mnemonic that
/// `ehr keys new` shows once (what a patient writes down and gives the
/// polkadot-js extension).
pub fn new_user_with_mnemonic(dir: &TempDir, name: &str, url: &str) -> (User, String) {
	let (user, made) = keys_new(dir, name, url, None);
	let mnemonic = made["mnemonic"].as_str().expect("ehr keys new shows a new account's mnemonic").to_owned();
	(user, mnemonic)
}

fn keys_new(dir: &TempDir, name: &str, url: &str, account_uri: Option<&str>) -> (User, Value) {
	let user = User { key: dir.path().join(format!("{name}.json")), url: url.to_owned() };
	let mut command = Command::new(ehr_binary());
	command.env("EHR_PASSPHRASE", PASSPHRASE).env("EHR_KEY_FILE", &user.key).args(["--json", "keys", "new"]);
	if let Some(uri) = account_uri {
		command.env("EHR_ACCOUNT_URI", uri);
	}
	let out = run_with_timeout(&mut command, COMMAND_TIMEOUT, "ehr keys new");
	assert!(out.status.success(), "ehr keys new failed: {}", out.stderr);
	let made = serde_json::from_str(&out.stdout).expect("ehr keys new prints JSON");
	(user, made)
}
