//! The harness every ehr-chain integration test uses: it starts real
//! `ehr-node` processes on free ports, each in its own base path, talks to
//! them over JSON-RPC (HTTP) and kills every process it started, even when a
//! test fails or panics.
//!
//! Each node's stdout and stderr go to `node.log` inside its base path. When
//! a test panics, every [`Node`] prints the tail of its log while it is
//! dropped, and a temporary base path is kept on disk (its path is printed)
//! so that the whole log and database can be inspected.
//!
//! - [`chain`]: signs and submits transactions with dev accounts and reads
//!   state through the runtime API.
//! - [`council`]: the hospitals' Council: propose, vote, close.
//! - [`ehr`]: builds pallet-ehr's inputs (bounded bytes, sealed kfrags,
//!   registrations) with real Umbral keys.
//! - [`cli`]: runs the `ehr` command line client as its users do.
//! - [`fhir`]: a real FHIR R4 server (helios-hfs) for the import tests.
//!
//! The binaries are found by [`node_binary`] and [`cli::ehr_binary`]: next to
//! the running test executable, where `cargo test --workspace` builds them,
//! unless `EHR_NODE_BIN` / `EHR_BIN` name them.
#![warn(missing_docs)]

use jsonrpsee::{
	core::{client::ClientT, params::ArrayParams},
	http_client::HttpClientBuilder,
	rpc_params,
};
use serde_json::Value;
use std::{
	collections::BTreeSet,
	fs::{self, File, OpenOptions},
	io::{Read, Seek, SeekFrom, Write},
	net::TcpListener,
	path::{Path, PathBuf},
	process::{Child, Command, ExitStatus, Stdio},
	sync::Mutex,
	thread,
	time::{Duration, Instant},
};
use tempfile::TempDir;

pub mod chain;
pub mod cli;
pub mod council;
pub mod ehr;
pub mod fhir;
pub mod netns;
pub mod s3;
pub mod web;

/// The `ehr-node` binary: the path in the environment variable
/// `EHR_NODE_BIN` if it is set, otherwise `ehr-node` next to the running test
/// executable (where `cargo test --workspace` builds it). Panics, naming the
/// path tried, if there is no such file.
pub fn node_binary() -> PathBuf {
	workspace_binary("ehr-node", "EHR_NODE_BIN")
}

/// One of the workspace's binaries, `name`: the path in the environment
/// variable `variable` if it is set, otherwise `name` two directories up
/// from the running test executable (cargo puts a test executable in
/// `<target>/<profile>/deps/` and the binaries in `<target>/<profile>/`).
/// Panics, naming the path tried, if there is no such file.
pub(crate) fn workspace_binary(name: &str, variable: &str) -> PathBuf {
	if let Some(path) = std::env::var_os(variable) {
		let path = PathBuf::from(path);
		assert!(
			path.exists(),
			"{variable} is set to {}, which does not exist; point it to the {name} binary, or unset it and \
			 build the binaries with `cargo test --workspace` (scripts/test)",
			path.display()
		);
		return path;
	}
	let test_executable = std::env::current_exe()
		.unwrap_or_else(|e| panic!("cannot find the running test executable to look for {name} next to it: {e}"));
	let profile_dir = test_executable.parent().and_then(Path::parent).unwrap_or_else(|| {
		panic!(
			"the test executable {} is not in <target>/<profile>/deps/, so {name} cannot be found next to it; \
			 set {variable} to the {name} binary",
			test_executable.display()
		)
	});
	let path = profile_dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
	assert!(
		path.exists(),
		"{} does not exist; build the binaries with `cargo test --workspace` (scripts/test), which builds {name} \
		 next to the test executables, or set {variable} to the {name} binary",
		path.display()
	);
	path
}

/// How long a node may take from its spawn until its JSON-RPC server
/// answers: opening ParityDB, building genesis and compiling the runtime
/// with wasmtime is slow on a loaded two-core machine.
pub const STARTUP_TIMEOUT: Duration = Duration::from_secs(180);

/// How often [`Node::wait_for`] polls its condition.
pub const POLL_INTERVAL: Duration = Duration::from_millis(500);

/// The longest a single JSON-RPC request may take.
const RPC_TIMEOUT: Duration = Duration::from_secs(10);

/// How many lines of a log are printed when a test fails.
const LOG_TAIL_LINES: usize = 60;

/// The line the JSON-RPC server logs once it listens (sc-rpc-server), e.g.
/// `Running JSON-RPC server: addr=127.0.0.1:9944,[::1]:9944`.
const RPC_LISTENING_LINE: &str = "Running JSON-RPC server: addr=";

/// The shared cache scripts/setup installs test servers into.
pub fn tools_dir() -> PathBuf {
	let cache = std::env::var_os("XDG_CACHE_HOME")
		.map(PathBuf::from)
		.unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").expect("HOME is set")).join(".cache"));
	cache.join("ehr-chain").join("tools")
}

/// A test server's binary: the path in the environment variable `variable`
/// if set, else `<tools_dir>/<folder>/bin/<name>`, where scripts/setup
/// installs it.
pub fn tool_binary(variable: &str, folder: &str, name: &str) -> PathBuf {
	let path = std::env::var_os(variable)
		.map(PathBuf::from)
		.unwrap_or_else(|| tools_dir().join(folder).join("bin").join(name));
	assert!(path.is_file(), "{} does not exist; run scripts/setup, which installs {name}", path.display());
	path
}

/// Returns a TCP port that is free on 127.0.0.1 right now and that this
/// process has not handed out before (so two nodes of one test never get the
/// same port, even if the kernel offers a port twice).
pub fn free_port() -> u16 {
	static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());
	for _ in 0..100 {
		let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0 to find a free TCP port");
		let port = listener.local_addr().expect("a bound listener has a local address").port();
		let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
		if handed_out.insert(port) {
			return port;
		}
	}
	panic!("found no free TCP port on 127.0.0.1 that was not handed out already, in 100 attempts");
}

/// A deterministic ed25519 node key (64 hex digits) for index `n`:
/// `node_key(1)` is `000…0001`.
pub fn node_key(n: u8) -> String {
	format!("{n:064x}")
}

/// The node key a node named `name` gets when the caller gives none: the
/// name's bytes in hex, left-padded with zeros to 64 hex digits.
fn default_node_key(name: &str) -> String {
	let hex: String = name.bytes().map(|b| format!("{b:02x}")).collect();
	assert!(hex.len() <= 64, "node name `{name}` is longer than 32 bytes; pass a node key explicitly");
	format!("{hex:0>64}")
}

/// The libp2p peer id (`12D3KooW…`) of a node key given in hex, as computed
/// by `ehr-node key inspect-node-key --file <file>`.
pub fn peer_id(node_key_hex: &str) -> String {
	let dir = TempDir::with_prefix("ehr-node-key-").expect("creating a temporary directory for a node key");
	let file = dir.path().join("node-key");
	fs::write(&file, node_key_hex).unwrap_or_else(|e| panic!("writing the node key to {}: {e}", file.display()));

	let mut command = Command::new(node_binary());
	command.args(["key", "inspect-node-key", "--file"]).arg(&file);
	let out = run_with_timeout(&mut command, Duration::from_secs(60), "ehr-node key inspect-node-key");
	assert!(out.status.success(), "`ehr-node key inspect-node-key` failed ({}):\n{}", out.status, out.stderr);
	let id = out.stdout.trim().to_owned();
	assert!(id.starts_with("12D3KooW"), "`ehr-node key inspect-node-key` printed `{id}`, not an ed25519 peer id");
	id
}

/// What a finished command left behind.
#[derive(Debug)]
pub struct Finished {
	/// How the process ended.
	pub status: ExitStatus,
	/// Everything it wrote to stdout (lossily decoded as UTF-8).
	pub stdout: String,
	/// Everything it wrote to stderr (lossily decoded as UTF-8).
	pub stderr: String,
}

/// Kills (SIGKILL) and reaps a child process when dropped.
pub(crate) struct ChildGuard(pub(crate) Child);

/// Makes the process `command` starts receive SIGTERM when the thread that
/// started it ends, so that a test process that is killed (and so never
/// runs the drops that stop its children) leaves no node or server
/// running, holding ports the next run needs (Linux `PR_SET_PDEATHSIG`).
pub fn dies_with_the_test(command: &mut Command) -> &mut Command {
	use std::os::unix::process::CommandExt;
	// SAFETY: `prctl` is async-signal-safe and touches no memory of the
	// parent; it is all the closure does between fork and exec.
	unsafe {
		command.pre_exec(|| {
			if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM) == -1 {
				return Err(std::io::Error::last_os_error());
			}
			Ok(())
		})
	}
}

impl Drop for ChildGuard {
	fn drop(&mut self) {
		// Both fail only if the child is gone already, which is what we want.
		let _ = self.0.kill();
		let _ = self.0.wait();
	}
}

/// Runs `command` to completion with stdin closed and stdout/stderr captured
/// in files (so a chatty process can never block on a full pipe). If it is
/// still running after `timeout`, it is killed and the test fails with the
/// tail of its stderr; `what` names the command in messages.
pub fn run_with_timeout(command: &mut Command, timeout: Duration, what: &str) -> Finished {
	let dir = TempDir::with_prefix("ehr-command-").expect("creating a temporary directory for command output");
	let stdout_path = dir.path().join("stdout");
	let stderr_path = dir.path().join("stderr");
	let stdout = File::create(&stdout_path).expect("creating a file for a command's stdout");
	let stderr = File::create(&stderr_path).expect("creating a file for a command's stderr");

	let program = command.get_program().to_string_lossy().into_owned();
	dies_with_the_test(command);
	let child = command
		.stdin(Stdio::null())
		.stdout(Stdio::from(stdout))
		.stderr(Stdio::from(stderr))
		.spawn()
		.unwrap_or_else(|e| panic!("{what}: cannot start {program}: {e}"));
	let mut child = ChildGuard(child);

	let started = Instant::now();
	let status = loop {
		match child.0.try_wait() {
			Ok(Some(status)) => break status,
			Ok(None) if started.elapsed() >= timeout => {
				drop(child);
				panic!(
					"{what}: still running after {timeout:?}, so it was killed; the last lines of its stderr:\n{}",
					tail(&read_lossy(&stderr_path), LOG_TAIL_LINES)
				);
			},
			Ok(None) => thread::sleep(Duration::from_millis(100)),
			Err(e) => panic!("{what}: cannot poll the process: {e}"),
		}
	};

	Finished { status, stdout: read_lossy(&stdout_path), stderr: read_lossy(&stderr_path) }
}

/// A file's contents, lossily decoded as UTF-8; a message if it cannot be read.
fn read_lossy(path: &Path) -> String {
	match fs::read(path) {
		Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
		Err(e) => format!("<cannot read {}: {e}>", path.display()),
	}
}

/// The last `lines` lines of `text`.
pub fn tail(text: &str, lines: usize) -> String {
	let all: Vec<&str> = text.lines().collect();
	all[all.len().saturating_sub(lines)..].join("\n")
}

/// Parses a block number as the node's JSON-RPC reports it (`"0x1a"`).
fn parse_block_number(header: &Value) -> Result<u64, String> {
	let number = header
		.get("number")
		.and_then(Value::as_str)
		.ok_or_else(|| format!("the header has no hex `number`: {header}"))?;
	u64::from_str_radix(number.trim_start_matches("0x"), 16)
		.map_err(|e| format!("the header's number `{number}` is not hex: {e}"))
}

/// One `ehr-node` process (or a stopped one that can be restarted), with its
/// base path, ports, command line and log file.
pub struct Node {
	/// The running process; `None` once killed.
	child: Option<Child>,
	/// The lowercase keyring name: `alice`, `bob`, `charlie`, `dave`.
	name: String,
	/// The `--base-path` directory.
	base: PathBuf,
	/// Owns `base` when the harness created it; removed when dropped (kept
	/// when the test panics).
	temp: Option<TempDir>,
	/// The address its JSON-RPC answers on: 127.0.0.1, or its lab host's.
	host: String,
	/// The network namespace it runs in, for a node on a [`netns::Lab`] host.
	netns: Option<String>,
	/// The JSON-RPC port (HTTP and WebSocket) on `host`.
	rpc_port: u16,
	/// The libp2p port.
	p2p_port: u16,
	/// `node.log` in the base path: stdout and stderr of every run, appended.
	log: PathBuf,
	/// Where the current run's output starts in `log`.
	log_offset: u64,
	/// The command line (without the binary).
	args: Vec<String>,
	/// Variables added to the node's environment.
	env: Vec<(String, String)>,
	/// How many times the process has been started.
	runs: u32,
}

impl Node {
	/// Starts a validator node and waits (up to [`STARTUP_TIMEOUT`]) until its
	/// JSON-RPC server answers. The command line is
	/// `ehr-node --chain <chain> --base-path <dir> --port <p2p> --rpc-port <rpc>
	/// --no-prometheus --no-telemetry --no-mdns --validator --<name>
	/// --rpc-methods unsafe --ehr-http-port <free> --node-key <hex> [extra_args]`.
	///
	/// `name` is a keyring name (`alice`, `bob`, `charlie`, `dave`) and selects
	/// the validator's keys; `base_path` defaults to a fresh temporary
	/// directory; `node_key_hex` (64 hex digits) defaults to one derived from
	/// `name`.
	pub fn start(
		name: &str,
		chain: &str,
		extra_args: &[String],
		base_path: Option<PathBuf>,
		node_key_hex: Option<&str>,
	) -> Node {
		let mut node = Node::spawn(name, chain, extra_args, base_path, node_key_hex);
		node.wait_ready();
		node
	}

	/// Like [`Node::start`] with a fresh base path and the default node
	/// key, with `env` added to the node's environment (on every restart
	/// too): credentials, say, which never go on a command line.
	pub fn start_with_env(name: &str, chain: &str, extra_args: &[String], env: &[(String, String)]) -> Node {
		let mut node = Node::prepare(name, chain, extra_args, None, None);
		node.env = env.to_vec();
		node.spawn_process();
		node.wait_ready();
		node
	}

	/// Like [`Node::start`], but returns as soon as the process is spawned,
	/// without waiting for it; call [`Node::wait_ready`] before using its RPC.
	pub fn spawn(
		name: &str,
		chain: &str,
		extra_args: &[String],
		base_path: Option<PathBuf>,
		node_key_hex: Option<&str>,
	) -> Node {
		let mut node = Node::prepare(name, chain, extra_args, base_path, node_key_hex);
		node.spawn_process();
		node
	}

	/// Like [`Node::spawn`], on a [`netns::Lab`] host: the process runs in
	/// the host's network namespace, listens for peers on its address, and
	/// serves JSON-RPC on it (`--unsafe-rpc-external --rpc-cors all`), where
	/// the test reaches it over the lab's bridge.
	pub fn spawn_on(
		host: &netns::LabHost,
		name: &str,
		chain: &str,
		extra_args: &[String],
		node_key_hex: Option<&str>,
	) -> Node {
		let mut node = Node::prepare(name, chain, extra_args, None, node_key_hex);
		// `--listen-addr` replaces `--port` (the two may not be given together).
		if let Some(at) = node.args.iter().position(|a| a == "--port") {
			node.args.drain(at..at + 2);
		}
		let listen = format!("/ip4/{}/tcp/{}", host.ip, node.p2p_port);
		// Any Host header: the test calls the node by its lab address.
		node.args.extend(["--listen-addr", &listen, "--unsafe-rpc-external", "--rpc-cors", "all"].map(String::from));
		node.host = host.ip.clone();
		node.netns = Some(host.netns.clone());
		node.spawn_process();
		node
	}

	/// The node's command line and folders, with no process yet.
	fn prepare(
		name: &str,
		chain: &str,
		extra_args: &[String],
		base_path: Option<PathBuf>,
		node_key_hex: Option<&str>,
	) -> Node {
		let (temp, base) = match base_path {
			Some(base) => {
				fs::create_dir_all(&base)
					.unwrap_or_else(|e| panic!("{name}: cannot create the base path {}: {e}", base.display()));
				(None, base)
			},
			None => {
				let temp = TempDir::with_prefix(format!("ehr-{name}-"))
					.unwrap_or_else(|e| panic!("{name}: cannot create a temporary base path: {e}"));
				let base = temp.path().to_path_buf();
				(Some(temp), base)
			},
		};
		let node_key = node_key_hex.map(str::to_owned).unwrap_or_else(|| default_node_key(name));
		let rpc_port = free_port();
		let p2p_port = free_port();

		let mut args: Vec<String> = vec![
			"--chain".into(),
			chain.into(),
			"--base-path".into(),
			base.to_string_lossy().into_owned(),
			"--port".into(),
			p2p_port.to_string(),
			"--rpc-port".into(),
			rpc_port.to_string(),
			"--no-telemetry".into(),
			"--no-mdns".into(),
			// The backend member-only peering is built on (docs/architecture.md).
			"--network-backend".into(),
			"libp2p".into(),
			"--validator".into(),
			format!("--{name}"),
			"--node-key".into(),
			node_key,
		];
		// No metrics endpoint unless the test asks for one.
		if !extra_args.iter().any(|a| a == "--prometheus-port") {
			args.push("--no-prometheus".into());
		}
		// The HTTP body server on a port handed out like the others: left to
		// pick its own (the default, 0), it could take a port already handed
		// to another node of the test, which would then fail to start.
		if !extra_args.iter().any(|a| a == "--ehr-http-port" || a == "--ehr-no-http") {
			args.extend(["--ehr-http-port".to_string(), free_port().to_string()]);
		}
		// Unsafe RPC (uploads, key insertion) unless the test chooses otherwise.
		if !extra_args.iter().any(|a| a == "--rpc-methods") {
			args.extend(["--rpc-methods".to_string(), "unsafe".to_string()]);
		}
		args.extend(extra_args.iter().cloned());

		Node {
			child: None,
			name: name.to_owned(),
			log: base.join("node.log"),
			base,
			temp,
			host: "127.0.0.1".into(),
			netns: None,
			rpc_port,
			p2p_port,
			log_offset: 0,
			args,
			env: Vec::new(),
			runs: 0,
		}
	}

	/// Spawns the process with the node's command line, appending its output
	/// to the log file.
	fn spawn_process(&mut self) {
		assert!(self.child.is_none(), "{}: spawning a second process for a running node", self.name);
		self.runs += 1;

		let mut log = OpenOptions::new()
			.create(true)
			.append(true)
			.open(&self.log)
			.unwrap_or_else(|e| panic!("{}: cannot open the log file {}: {e}", self.name, self.log.display()));
		let binary = node_binary();
		writeln!(
			log,
			"===== test harness: run #{} of {}: {} {} =====",
			self.runs,
			self.name,
			binary.display(),
			self.args.join(" ")
		)
		.unwrap_or_else(|e| panic!("{}: cannot write to {}: {e}", self.name, self.log.display()));
		self.log_offset =
			log.metadata().unwrap_or_else(|e| panic!("{}: cannot stat {}: {e}", self.name, self.log.display())).len();
		let stderr =
			log.try_clone().unwrap_or_else(|e| panic!("{}: cannot duplicate the log file handle: {e}", self.name));

		let mut command = match &self.netns {
			Some(netns) => {
				let mut command = Command::new("ip");
				command.args(["netns", "exec", netns]).arg(&binary);
				command
			},
			None => Command::new(&binary),
		};
		let child = dies_with_the_test(&mut command)
			.args(&self.args)
			.envs(self.env.iter().map(|(key, value)| (key, value)))
			.stdin(Stdio::null())
			.stdout(Stdio::from(log))
			.stderr(Stdio::from(stderr))
			.spawn()
			.unwrap_or_else(|e| panic!("{}: cannot start {}: {e}", self.name, binary.display()));
		self.child = Some(child);
	}

	/// Waits (up to [`STARTUP_TIMEOUT`]) until the node's JSON-RPC server
	/// answers on its port; fails early if the process exits or if the node
	/// reports that one of its ports was taken (see
	/// [`Node::check_listen_addresses`]).
	pub fn wait_ready(&mut self) {
		let (host, port) = (self.host.clone(), self.rpc_port);
		self.wait_for(STARTUP_TIMEOUT, &format!("its JSON-RPC server to answer on {host}:{port}"), |node| {
			node.check_listen_addresses();
			node.rpc("system_health", rpc_params![]).map(|_| true)
		});
	}

	/// Panics if the current run logged that one of the node's ports was
	/// taken by another process. Neither is an error for the node: sc-cli
	/// retries `--rpc-port` on a random port, and libp2p only warns when it
	/// cannot listen on `--port`; either would make the test fail later for
	/// an obscure reason.
	fn check_listen_addresses(&self) {
		let log = self.current_log();
		if let Some(line) = log.lines().find(|line| line.contains(RPC_LISTENING_LINE)) {
			// 127.0.0.1 for a node on loopback, 0.0.0.0 for one on a lab host.
			let listening = if self.netns.is_some() { "0.0.0.0" } else { "127.0.0.1" };
			let expected = format!("{listening}:{},", self.rpc_port);
			assert!(
				line.contains(&expected),
				"{}: its JSON-RPC server is not on {listening}:{} (the port was taken, so the node fell back \
				 to another one): {line}",
				self.name,
				self.rpc_port
			);
		}
		let p2p_failure = format!("Can't listen on /ip4/0.0.0.0/tcp/{} ", self.p2p_port);
		if let Some(line) = log.lines().find(|line| line.contains(&p2p_failure)) {
			panic!("{}: its p2p port {} was taken: {line}", self.name, self.p2p_port);
		}
	}

	/// Kills the process if it is running (SIGKILL, then waits for it); the
	/// base path, ports and command line are kept for [`Node::restart`].
	pub fn kill(&mut self) {
		if let Some(mut child) = self.child.take() {
			// Both fail only if the process is gone already.
			let _ = child.kill();
			let _ = child.wait();
		}
	}

	/// Starts the node again with the same command line, base path and ports
	/// (killing it first if it still runs) and waits until its JSON-RPC server
	/// answers.
	pub fn restart(&mut self) {
		self.kill();
		self.spawn_process();
		self.wait_ready();
	}

	/// Fails the test unless the process is running.
	pub fn assert_running(&mut self) {
		if let Err(e) = self.check_running() {
			panic!("{e}");
		}
	}

	/// `Ok` if the process runs; otherwise a sentence saying why not.
	fn check_running(&mut self) -> Result<(), String> {
		let name = &self.name;
		match self.child.as_mut() {
			None => Err(format!("{name} is not running: it was killed")),
			Some(child) => match child.try_wait() {
				Ok(None) => Ok(()),
				Ok(Some(status)) => Err(format!("{name} exited unexpectedly ({status})")),
				Err(e) => Err(format!("{name}: cannot poll its process: {e}")),
			},
		}
	}

	/// Polls `done` every [`POLL_INTERVAL`] until it returns `Ok(true)`;
	/// `Err`s count as "not yet" (the node may still be starting) and the last
	/// one is reported. Returns an error (naming `what`, the last error and the
	/// node's best/finalized blocks and peers) if `timeout` passes first or the
	/// process exits.
	pub fn try_wait_for(
		&mut self,
		timeout: Duration,
		what: &str,
		mut done: impl FnMut(&Node) -> Result<bool, String>,
	) -> Result<(), String> {
		let started = Instant::now();
		loop {
			if let Err(e) = self.check_running() {
				return Err(format!("{e} after {:.0?} of waiting for {what}", started.elapsed()));
			}
			let last = match done(&*self) {
				Ok(true) => return Ok(()),
				Ok(false) => String::from("the condition was not true yet"),
				Err(e) => e,
			};
			if started.elapsed() >= timeout {
				return Err(format!(
					"{}: timed out after {timeout:?} waiting for {what}; last check: {last}; node status: {}",
					self.name,
					self.status()
				));
			}
			thread::sleep(POLL_INTERVAL);
		}
	}

	/// Like [`Node::try_wait_for`], but fails the test with the error (every
	/// node's log tail is printed as the nodes are dropped).
	pub fn wait_for(&mut self, timeout: Duration, what: &str, done: impl FnMut(&Node) -> Result<bool, String>) {
		if let Err(e) = self.try_wait_for(timeout, what, done) {
			panic!("{e}");
		}
	}

	/// Calls a JSON-RPC method over HTTP and returns its result.
	pub fn rpc(&self, method: &str, params: ArrayParams) -> Result<Value, String> {
		rpc_on(&self.host, self.rpc_port, method, params).map_err(|e| format!("{}: {e}", self.name))
	}

	/// Waits until the node's best block is at least `number`.
	pub fn wait_for_blocks(&self, number: u64) {
		let start = Instant::now();
		while start.elapsed() < STARTUP_TIMEOUT {
			if self.best_number().is_ok_and(|best| best >= number) {
				return;
			}
			thread::sleep(POLL_INTERVAL);
		}
		panic!("{}: no block #{number} within {STARTUP_TIMEOUT:?}; {}", self.name, self.status());
	}

	/// The number of the node's best block.
	pub fn best_number(&self) -> Result<u64, String> {
		let header = self.rpc("chain_getHeader", rpc_params![])?;
		parse_block_number(&header).map_err(|e| format!("{}: best block: {e}", self.name))
	}

	/// The number of the node's last finalized block.
	pub fn finalized_number(&self) -> Result<u64, String> {
		let hash = self.rpc("chain_getFinalizedHead", rpc_params![])?;
		let hash = hash
			.as_str()
			.ok_or_else(|| format!("{}: chain_getFinalizedHead returned {hash}, not a hash", self.name))?
			.to_owned();
		let header = self.rpc("chain_getHeader", rpc_params![hash])?;
		parse_block_number(&header).map_err(|e| format!("{}: finalized block: {e}", self.name))
	}

	/// How many peers the node is connected to (`system_health`).
	pub fn peers(&self) -> Result<u64, String> {
		let health = self.rpc("system_health", rpc_params![])?;
		health
			.get("peers")
			.and_then(Value::as_u64)
			.ok_or_else(|| format!("{}: system_health has no `peers`: {health}", self.name))
	}

	/// A one-line summary for messages: best and finalized block, peers.
	pub fn status(&self) -> String {
		let show = |value: Result<u64, String>| value.map_or_else(|e| format!("? ({e})"), |n| n.to_string());
		format!(
			"best #{}, finalized #{}, peers {}",
			show(self.best_number()),
			show(self.finalized_number()),
			show(self.peers())
		)
	}

	/// The output of the current (or last) run only: a node restarted on
	/// the same base path appends to the same log file.
	pub fn current_log(&self) -> String {
		let mut text = Vec::new();
		let read = File::open(&self.log).and_then(|mut file| {
			file.seek(SeekFrom::Start(self.log_offset))?;
			file.read_to_end(&mut text)
		});
		match read {
			Ok(_) => String::from_utf8_lossy(&text).into_owned(),
			Err(e) => format!("<cannot read {}: {e}>", self.log.display()),
		}
	}

	/// The last `lines` lines of the node's log (all runs).
	pub fn log_tail(&self, lines: usize) -> String {
		tail(&read_lossy(&self.log), lines)
	}

	/// The keyring name: `alice`, `bob`, …
	pub fn name(&self) -> &str {
		&self.name
	}

	/// The process id of the running node, if it runs.
	pub fn pid(&self) -> Option<u32> {
		self.child.as_ref().map(Child::id)
	}

	/// The node's resident memory (VmRSS) in KiB, read from /proc.
	pub fn rss_kib(&self) -> Option<u64> {
		let status = fs::read_to_string(format!("/proc/{}/status", self.pid()?)).ok()?;
		status
			.lines()
			.find_map(|l| l.strip_prefix("VmRSS:"))
			.and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
	}

	/// The `--base-path` directory.
	pub fn base_path(&self) -> &Path {
		&self.base
	}

	/// The JSON-RPC port on 127.0.0.1 (HTTP and WebSocket).
	pub fn rpc_port(&self) -> u16 {
		self.rpc_port
	}

	/// The libp2p port.
	pub fn p2p_port(&self) -> u16 {
		self.p2p_port
	}

	/// The log file (stdout and stderr of every run).
	pub fn log_path(&self) -> &Path {
		&self.log
	}
}

impl Drop for Node {
	/// Kills the process; when the test is panicking, prints the tail of the
	/// log and keeps a temporary base path for inspection.
	fn drop(&mut self) {
		self.kill();
		if thread::panicking() {
			eprintln!(
				"\n----- {}: last {LOG_TAIL_LINES} lines of {} -----\n{}\n----- end of {}'s log -----",
				self.name,
				self.log.display(),
				self.log_tail(LOG_TAIL_LINES),
				self.name
			);
			if let Some(temp) = self.temp.as_mut() {
				temp.disable_cleanup(true);
				eprintln!("{}: kept its base path {} for inspection", self.name, self.base.display());
			}
		}
	}
}

/// Calls JSON-RPC `method` with `params` on the node answering HTTP on
/// 127.0.0.1:`port` (any node, not only one this harness started).
pub fn rpc_at(port: u16, method: &str, params: ArrayParams) -> Result<Value, String> {
	rpc_on("127.0.0.1", port, method, params)
}

/// Calls JSON-RPC `method` with `params` on the node answering HTTP on
/// `host`:`port`.
pub fn rpc_on(host: &str, port: u16, method: &str, params: ArrayParams) -> Result<Value, String> {
	let url = format!("http://{host}:{port}");
	let runtime = tokio::runtime::Builder::new_current_thread()
		.enable_all()
		.build()
		.map_err(|e| format!("cannot build a tokio runtime for a JSON-RPC call: {e}"))?;
	runtime.block_on(async {
		let client = HttpClientBuilder::default()
			.request_timeout(RPC_TIMEOUT)
			.build(&url)
			.map_err(|e| format!("cannot build a JSON-RPC client for {url}: {e}"))?;
		client.request::<Value, _>(method, params).await.map_err(|e| format!("{method} on {url} failed: {e}"))
	})
}

/// Four validators on `--chain local`: Alice is the bootnode of the others.
pub struct LocalNetwork {
	/// Alice, with node key `node_key(1)`; the others' bootnode.
	pub alice: Node,
	/// Bob, with node key `node_key(2)`.
	pub bob: Node,
	/// Charlie, with node key `node_key(3)`.
	pub charlie: Node,
	/// Dave, with node key `node_key(4)`.
	pub dave: Node,
}

impl LocalNetwork {
	/// Waits until hospitals A, B and C (alice, bob, charlie) have registered
	/// their own nodes as proxies (see [`ehr::own_proxy`]) and returns them,
	/// in that order, with their Umbral keys.
	pub fn proxies_of_a_b_and_c(&self, chain: &chain::Chain) -> Vec<(ehr_runtime::AccountId, umbral_pre::PublicKey)> {
		use sp_keyring::Sr25519Keyring::{Alice, Bob, Charlie};
		[(&self.alice, Alice), (&self.bob, Bob), (&self.charlie, Charlie)]
			.into_iter()
			.map(|(node, keyring)| ehr::own_proxy(chain, node, keyring))
			.collect()
	}

	/// All four nodes, Alice first.
	pub fn nodes(&self) -> [&Node; 4] {
		[&self.alice, &self.bob, &self.charlie, &self.dave]
	}

	/// All four nodes, mutably, Alice first.
	pub fn nodes_mut(&mut self) -> [&mut Node; 4] {
		[&mut self.alice, &mut self.bob, &mut self.charlie, &mut self.dave]
	}
}

/// Starts Alice, Bob, Charlie and Dave on `--chain local`, each with a fixed
/// node key (`node_key(1..=4)`); Bob, Charlie and Dave get
/// `--bootnodes /ip4/127.0.0.1/tcp/<alice's port>/p2p/<alice's peer id>`.
/// All four are spawned at once, then each is waited for until its JSON-RPC
/// server answers.
pub fn local_network() -> LocalNetwork {
	local_network_with(&[])
}

/// [`local_network`] with `extra_args` given to every node.
pub fn local_network_with(extra_args: &[String]) -> LocalNetwork {
	let alice_key = node_key(1);
	let alice_peer_id = peer_id(&alice_key);

	let alice = Node::spawn("alice", "local", extra_args, None, Some(alice_key.as_str()));
	let mut bootnode =
		vec![String::from("--bootnodes"), format!("/ip4/127.0.0.1/tcp/{}/p2p/{alice_peer_id}", alice.p2p_port())];
	bootnode.extend(extra_args.iter().cloned());
	let bob = Node::spawn("bob", "local", &bootnode, None, Some(node_key(2).as_str()));
	let charlie = Node::spawn("charlie", "local", &bootnode, None, Some(node_key(3).as_str()));
	let dave = Node::spawn("dave", "local", &bootnode, None, Some(node_key(4).as_str()));

	let mut network = LocalNetwork { alice, bob, charlie, dave };
	for node in network.nodes_mut() {
		node.wait_ready();
	}
	network
}
