//! The deployment files as an operator installs them (deploy/, docs/operator.md,
//! "Running the node as a service"): the systemd unit under a temporary root,
//! its validator and public RPC instances checked by systemd's own
//! `systemd-analyze`, and the arguments their environment files give the
//! node accepted by the node.

use ehr_test_utils::{node_binary, run_with_timeout};
use std::{path::Path, process::Command, time::Duration};

/// The workspace's deploy/ folder.
fn deploy_dir() -> std::path::PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("deploy")
}

/// Installs the unit, its environment file and `ehr-node` under `root` as
/// the unit's comment says, with systemd's own units beside them (the
/// unit's default dependencies, `sysinit.target` and the rest, must exist).
fn install(root: &Path) {
	let deploy = deploy_dir();
	for dir in ["usr/local/bin", "etc/systemd/system", "etc/ehr", "usr/lib/systemd"] {
		std::fs::create_dir_all(root.join(dir)).expect("a folder of the root");
	}
	std::fs::copy(node_binary(), root.join("usr/local/bin/ehr-node")).expect("ehr-node installs");
	std::fs::copy(deploy.join("systemd/ehr-node@.service"), root.join("etc/systemd/system/ehr-node@.service"))
		.expect("the unit installs");
	for instance in INSTANCES {
		std::fs::copy(deploy.join(format!("systemd/{instance}.env")), root.join(format!("etc/ehr/{instance}.env")))
			.expect("an environment file installs");
	}
	let copied = Command::new("cp")
		.args(["-r", "/usr/lib/systemd/system"])
		.arg(root.join("usr/lib/systemd/"))
		.status()
		.expect("cp runs");
	assert!(copied.success(), "systemd's own units could not be copied into the test root");
}

/// The unit's instances: a hospital's validator and its public RPC node.
const INSTANCES: [&str; 2] = ["validator", "rpc"];

#[test]
fn the_systemd_unit_verifies_and_is_hardened() {
	let root = tempfile::tempdir().expect("a temporary root");
	install(root.path());
	let root_arg = format!("--root={}", root.path().display());
	for instance in INSTANCES {
		check_instance(&root_arg, &format!("ehr-node@{instance}.service"));
	}
}

/// Checks one instance of the unit under the root `root_arg` names.
fn check_instance(root_arg: &str, unit: &str) {
	let verify = run_with_timeout(
		Command::new("systemd-analyze").args(["verify", root_arg, unit]),
		Duration::from_secs(60),
		"systemd-analyze verify",
	);
	assert!(verify.status.success(), "systemd-analyze verify failed:\n{}{}", verify.stdout, verify.stderr);
	// verify exits 0 on warnings (an unknown directive, a misspelt system
	// call group): the unit must produce none.
	assert!(verify.stderr.trim().is_empty(), "systemd-analyze verify warns:\n{}", verify.stderr);

	let security = run_with_timeout(
		Command::new("systemd-analyze").args(["security", "--offline=yes", root_arg, unit]),
		Duration::from_secs(60),
		"systemd-analyze security",
	);
	let exposure = security
		.stdout
		.lines()
		.find_map(|line| line.split(&format!("Overall exposure level for {unit}: ")).nth(1))
		.and_then(|rest| rest.split_whitespace().next())
		.and_then(|level| level.parse::<f64>().ok())
		.unwrap_or_else(|| panic!("no exposure level in:\n{}{}", security.stdout, security.stderr));
	eprintln!("[deploy] {unit}: systemd exposure level {exposure}");
	assert!(exposure <= 2.0, "{unit}'s exposure level is {exposure} (systemd calls up to 2.0 \"OK\")");
}

#[test]
fn the_environment_files_arguments_are_the_nodes() {
	for instance in INSTANCES {
		check_arguments(instance);
	}
}

/// Runs the node with `instance`'s arguments and `--help`.
fn check_arguments(instance: &str) {
	let env =
		std::fs::read_to_string(deploy_dir().join(format!("systemd/{instance}.env"))).expect("an environment file");
	let args = env
		.lines()
		.find_map(|line| line.strip_prefix("EHR_NODE_ARGS="))
		.map(|value| value.trim_matches('"').to_string())
		.expect("the environment file sets EHR_NODE_ARGS");
	// The node parses every argument before it acts on --help: a flag it does
	// not know fails here.
	let checked = run_with_timeout(
		Command::new(node_binary()).args(args.split_whitespace()).arg("--help"),
		Duration::from_secs(60),
		"ehr-node with the service's arguments",
	);
	assert!(checked.status.success(), "ehr-node refuses {instance}'s arguments:\n{}", checked.stderr);
}
