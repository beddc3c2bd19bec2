//! Bad input makes ehr-node exit with a clear error and a non-zero exit
//! code, never with a panic and never by hanging.

use ehr_test_utils::{free_port, node_binary, node_key, run_with_timeout, tail, Finished};
use std::{fs, net::TcpListener, process::Command, time::Duration};
use tempfile::TempDir;

/// How long a node given a bad chain may take to give up; it should fail at
/// once, before opening any database.
const EXIT_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a node whose JSON-RPC address is taken may take to give up: it
/// binds the address only after its database, genesis and runtime are set
/// up, which is slow on a loaded two-core machine.
const RPC_BIND_EXIT_TIMEOUT: Duration = Duration::from_secs(180);

/// Asserts that the process ended by itself with a non-zero exit code,
/// without a panic, and that its stderr satisfies `says_why` (described by
/// `expected` in the failure message).
fn assert_clean_failure(out: &Finished, case: &str, expected: &str, says_why: impl Fn(&str) -> bool) {
	let stderr_tail = tail(&out.stderr, 80);
	match out.status.code() {
		Some(0) => panic!("{case}: ehr-node exited successfully; stderr:\n{stderr_tail}"),
		Some(_) => {},
		None => panic!("{case}: ehr-node was ended by a signal ({}); stderr:\n{stderr_tail}", out.status),
	}
	assert!(
		!out.stderr.contains("panicked") && !out.stderr.contains("This is a bug"),
		"{case}: ehr-node panicked instead of reporting an error; stderr:\n{stderr_tail}"
	);
	assert!(says_why(&out.stderr), "{case}: stderr does not say {expected}; stderr:\n{stderr_tail}");
}

#[test]
fn malformed_chain_spec_file_is_rejected_with_a_clear_error() {
	let dir = TempDir::with_prefix("ehr-bad-spec-").expect("creating a temporary directory");
	let spec = dir.path().join("broken-spec.json");
	fs::write(&spec, r#"{"name": 1, "garbage"#).expect("writing the malformed chain spec");

	let mut command = Command::new(node_binary());
	command
		.arg("--chain")
		.arg(&spec)
		.arg("--base-path")
		.arg(dir.path().join("base"))
		.arg("--no-prometheus")
		.current_dir(dir.path());
	let out = run_with_timeout(&mut command, EXIT_TIMEOUT, "ehr-node with a malformed chain spec file");

	assert_clean_failure(
		&out,
		"malformed chain spec",
		"that `broken-spec.json` is not a valid ehr-chain spec",
		|stderr| stderr.contains("is not a valid ehr-chain spec") && stderr.contains("broken-spec.json"),
	);
}

#[test]
fn unknown_chain_name_is_rejected_with_a_clear_error() {
	let dir = TempDir::with_prefix("ehr-unknown-chain-").expect("creating a temporary directory");

	let mut command = Command::new(node_binary());
	command
		.args(["--chain", "no-such-chain", "--no-prometheus", "--base-path"])
		.arg(dir.path().join("base"))
		// No file named `no-such-chain` can exist here.
		.current_dir(dir.path());
	let out = run_with_timeout(&mut command, EXIT_TIMEOUT, "ehr-node with an unknown chain name");

	assert_clean_failure(&out, "unknown chain", "unknown chain `no-such-chain`", |stderr| {
		stderr.contains("unknown chain `no-such-chain`")
	});
}

/// A development node in `dir` on the given p2p and RPC ports.
fn dev_node(dir: &TempDir, p2p_port: u16, rpc_port: u16) -> Command {
	let mut command = Command::new(node_binary());
	command
		.args(["--chain", "dev", "--alice", "--node-key", node_key(1).as_str()])
		.arg("--base-path")
		.arg(dir.path().join("base"))
		.args(["--port", p2p_port.to_string().as_str()])
		.args(["--rpc-port", rpc_port.to_string().as_str()])
		.args(["--no-prometheus", "--no-telemetry", "--no-mdns"])
		.current_dir(dir.path());
	command
}

/// A taken JSON-RPC port is a startup error: ehr-node turns off sc-cli's
/// retry on a random port, so an operator's `--rpc-port` means that port.
#[test]
fn taken_rpc_address_is_a_startup_error() {
	let dir = TempDir::with_prefix("ehr-rpc-taken-").expect("creating a temporary directory");
	let holder = TcpListener::bind("127.0.0.1:0").expect("binding a port to hold");
	let port = holder.local_addr().expect("a bound listener has a local address").port();

	let mut command = dev_node(&dir, free_port(), port);
	let out = run_with_timeout(&mut command, RPC_BIND_EXIT_TIMEOUT, "ehr-node with its RPC address taken");

	// The error is `Address already in use` (io::ErrorKind::AddrInUse).
	assert_clean_failure(&out, "RPC address in use", "that the address is already in use", |stderr| {
		stderr.to_lowercase().contains("address already in use")
	});
	drop(holder);
}

/// A taken p2p port is a startup error too (libp2p alone would only log it
/// and keep running on its other addresses).
#[test]
fn taken_p2p_port_is_a_startup_error() {
	let dir = TempDir::with_prefix("ehr-p2p-taken-").expect("creating a temporary directory");
	let holder = TcpListener::bind("0.0.0.0:0").expect("binding a port to hold");
	let port = holder.local_addr().expect("a bound listener has a local address").port();

	let mut command = dev_node(&dir, port, free_port());
	let out = run_with_timeout(&mut command, RPC_BIND_EXIT_TIMEOUT, "ehr-node with its p2p port taken");

	assert_clean_failure(&out, "p2p port in use", "that the p2p port is already in use", |stderr| {
		stderr.contains(&format!("p2p port {port} is already in use"))
	});
	drop(holder);
}

/// The litep2p backend is refused at startup with the reason: member-only
/// peering is built on libp2p's reserved-only peer set (docs/architecture.md).
#[test]
fn litep2p_backend_is_refused_with_the_reason() {
	let dir = TempDir::with_prefix("ehr-litep2p-").expect("creating a temporary directory");

	let mut command = dev_node(&dir, free_port(), free_port());
	command.args(["--network-backend", "litep2p"]);
	let out = run_with_timeout(&mut command, EXIT_TIMEOUT, "ehr-node with --network-backend litep2p");

	assert_clean_failure(&out, "litep2p backend", "that only the libp2p backend runs", |stderr| {
		stderr.contains("runs the libp2p network backend only")
	});
}

/// Asking for a trie cache warm-up and for none at once is refused before
/// anything starts, naming both options.
#[test]
fn warm_up_and_no_warm_up_together_are_refused() {
	let dir = TempDir::with_prefix("ehr-warm-up-").expect("creating a temporary directory");

	let mut command = dev_node(&dir, free_port(), free_port());
	command.args(["--warm-up-trie-cache", "blocking", "--ehr-no-trie-cache-warm-up"]);
	let out = run_with_timeout(&mut command, EXIT_TIMEOUT, "ehr-node with both warm-up options");

	assert_clean_failure(&out, "conflicting warm-up options", "which options conflict", |stderr| {
		stderr.contains("--warm-up-trie-cache") && stderr.contains("--ehr-no-trie-cache-warm-up")
	});
}

/// A hospital pin that is not an SS58 account is refused before anything
/// starts, saying what to give instead.
#[test]
fn a_hospital_pin_that_is_no_account_is_refused() {
	let dir = TempDir::with_prefix("ehr-pin-").expect("creating a temporary directory");

	let mut command = dev_node(&dir, free_port(), free_port());
	command.args(["--ehr-hospital", "Hospital A"]);
	let out = run_with_timeout(&mut command, EXIT_TIMEOUT, "ehr-node with --ehr-hospital 'Hospital A'");

	assert_clean_failure(&out, "hospital pin", "that the pin must be an SS58 account", |stderr| {
		stderr.contains("--ehr-hospital") && stderr.contains("is not an SS58 account")
	});
	assert!(!dir.path().join("base").exists(), "nothing was written for a refused pin");
}
