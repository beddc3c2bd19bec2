//! docs/usage.md's walk-through, run literally: every `sh` block of the
//! document, in order, as one bash script in an empty folder, against the
//! local network that `scripts/start` starts. Nothing is substituted; the
//! script's commands are the ones a person types, and it must exit 0 (its
//! last steps compare the clinician's copy with the hospital's file).
//!
//! The network uses scripts/start's fixed ports (RPC 9944 to 9947, p2p
//! 30333 to 30336, Prometheus 9615 to 9618), below the range free ports
//! come from, so the other tests' nodes never take them.

use ehr_test_utils::{cli::ehr_binary, run_with_timeout};
use std::{
	io::{BufRead, BufReader},
	path::{Path, PathBuf},
	process::{Child, Command, Stdio},
	sync::mpsc,
	thread,
	time::Duration,
};

/// How long scripts/start may take to have all four nodes answering.
const START_TIMEOUT: Duration = Duration::from_secs(180);
/// How long the whole walk-through may take (a dozen finalized
/// transactions and a fetch that waits for two proxies).
const WALK_TIMEOUT: Duration = Duration::from_secs(900);

/// The `sh` blocks of a Markdown document, in order; a fence may be
/// indented (a block in a list), and so are its lines.
fn sh_blocks(markdown: &str) -> Vec<String> {
	let mut blocks = Vec::new();
	let mut open: Option<(usize, Vec<&str>)> = None;
	for line in markdown.lines() {
		let trimmed = line.trim_start();
		let indent = line.len() - trimmed.len();
		open = match open.take() {
			None if trimmed == "```sh" => Some((indent, Vec::new())),
			None => None,
			Some((_, lines)) if trimmed == "```" => {
				blocks.push(lines.join("\n"));
				None
			},
			Some((fence, mut lines)) => {
				lines.push(&line[indent.min(fence)..]);
				Some((fence, lines))
			},
		};
	}
	assert!(open.is_none(), "an `sh` block of docs/usage.md is not closed");
	blocks
}

/// scripts/start, running in its own process group; dropping it stops the
/// script and every node it started (SIGTERM, which its trap handles, then
/// SIGKILL to the whole group).
struct StartedNetwork {
	child: Child,
}

impl Drop for StartedNetwork {
	fn drop(&mut self) {
		let group = format!("-{}", self.child.id());
		let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
		for _ in 0..60 {
			if matches!(self.child.try_wait(), Ok(Some(_))) {
				break;
			}
			thread::sleep(Duration::from_millis(500));
		}
		let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
		let _ = self.child.wait();
	}
}

fn repository_root() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("node/ is in the repository").to_path_buf()
}

#[test]
fn the_usage_walk_through_runs_as_written_on_scripts_starts_network() {
	use std::os::unix::process::CommandExt;
	let root = repository_root();
	let doc = std::fs::read_to_string(root.join("docs/usage.md")).expect("docs/usage.md");
	let script = sh_blocks(&doc);
	assert!(script.len() >= 8, "docs/usage.md has only {} `sh` blocks", script.len());

	let target =
		ehr_binary().parent().and_then(Path::parent).expect("the ehr binary is in <target>/release").to_path_buf();
	let data = tempfile::TempDir::with_prefix("ehr-usage-network-").expect("a temporary folder");
	let mut start = Command::new("bash");
	start
		.arg(root.join("scripts/start"))
		.args(["--no-build", "--no-portal", "--data"])
		.arg(data.path())
		.env("CARGO_TARGET_DIR", &target)
		.stdout(Stdio::piped())
		.stderr(Stdio::piped())
		.process_group(0);
	// If this test process is killed, scripts/start gets SIGTERM and stops its nodes.
	ehr_test_utils::dies_with_the_test(&mut start);
	let mut child = start.spawn().expect("scripts/start runs");
	let stdout = child.stdout.take().expect("piped");
	let stderr = child.stderr.take().expect("piped");
	let network = StartedNetwork { child };

	// Wait for "press Ctrl-C to stop"; keep what the script says for a failure.
	let (said, heard) = mpsc::channel();
	for stream in [Box::new(stdout) as Box<dyn std::io::Read + Send>, Box::new(stderr)] {
		let said = said.clone();
		thread::spawn(move || {
			for line in BufReader::new(stream).lines().map_while(Result::ok) {
				let _ = said.send(line);
			}
		});
	}
	let mut transcript = Vec::new();
	let deadline = std::time::Instant::now() + START_TIMEOUT;
	loop {
		let left = deadline.saturating_duration_since(std::time::Instant::now());
		match heard.recv_timeout(left) {
			Ok(line) => {
				let ready = line.contains("press Ctrl-C to stop");
				transcript.push(line);
				if ready {
					break;
				}
			},
			Err(_) => panic!("scripts/start did not start the network:\n{}", transcript.join("\n")),
		}
	}
	eprintln!("[usage_doc] {}", transcript.join("\n[usage_doc] "));

	// The walk-through begins once the nodes answer and finalize blocks, as
	// a person at the terminal would find them a moment after the start.
	let node = |port: u16| ehr_test_utils::rpc_at(port, "chain_getFinalizedHead", jsonrpsee::rpc_params![]);
	let ready_by = std::time::Instant::now() + START_TIMEOUT;
	while (9944..=9947).any(|port| node(port).is_err()) {
		assert!(std::time::Instant::now() < ready_by, "the network's nodes do not answer on 9944 to 9947");
		thread::sleep(Duration::from_secs(1));
	}

	let folder = tempfile::TempDir::with_prefix("ehr-usage-walk-").expect("a temporary folder");
	let mut walk = Command::new("bash");
	walk.args(["-euo", "pipefail", "-c", &script.join("\n")])
		.current_dir(folder.path())
		.env("CARGO_TARGET_DIR", &target)
		.env("HOME", folder.path())
		.env_remove("EHR_URL")
		.env_remove("EHR_KEY_FILE")
		.env_remove("EHR_PASSPHRASE")
		.env_remove("EHR_ACCOUNT_URI");
	let out = run_with_timeout(&mut walk, WALK_TIMEOUT, "docs/usage.md's sh blocks");
	let logs = || -> String {
		["alice", "bob", "charlie", "dave"]
			.iter()
			.map(|n| {
				let log = std::fs::read_to_string(data.path().join(format!("{n}.log"))).unwrap_or_default();
				format!("--- {n}.log ---\n{}", ehr_test_utils::tail(&log, 30))
			})
			.collect::<Vec<_>>()
			.join("\n")
	};
	assert!(
		out.status.success(),
		"the walk-through failed ({}):\n--- stdout ---\n{}\n--- stderr ---\n{}\n{}",
		out.status,
		out.stdout,
		out.stderr,
		logs()
	);
	eprintln!("[usage_doc] the walk-through printed:\n{}", out.stdout);
	drop(network);
}
