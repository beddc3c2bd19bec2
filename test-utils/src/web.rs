//! The patient portal (web/) for tests: its sources built into a folder
//! with the bundler its lockfile pins, served by a plain static file server
//! (Python's `http.server`, as a hospital would put the files behind any web
//! server), and Node scripts run against it, with the browser scripts/setup
//! installs.

use crate::{free_port, run_with_timeout, ChildGuard, Finished};
use std::{
	fs::File,
	net::TcpStream,
	path::{Path, PathBuf},
	process::{Command, Stdio},
	thread,
	time::{Duration, Instant},
};
use tempfile::TempDir;

/// How long the static file server may take to listen.
const SERVER_TIMEOUT: Duration = Duration::from_secs(30);
/// How long building the portal may take.
const BUILD_TIMEOUT: Duration = Duration::from_secs(300);

/// The portal's folder, web/ in the repository.
pub fn web_dir() -> PathBuf {
	let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../web");
	assert!(
		dir.join("node_modules/vite").is_dir(),
		"the portal's npm packages are missing in {}; run scripts/test, or `npm ci` in that folder",
		dir.display()
	);
	dir
}

/// The headless browser: `CHROMIUM` if set, else Debian's `chromium`, which
/// scripts/setup installs. Panics, saying so, if it is missing.
pub fn chromium() -> PathBuf {
	let path = std::env::var_os("CHROMIUM").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/usr/bin/chromium"));
	assert!(
		path.exists(),
		"there is no browser at {}; run scripts/setup (it installs chromium) or set CHROMIUM",
		path.display()
	);
	path
}

/// Builds the portal from web/ into `out` (`vite build`) and panics with
/// the bundler's output if it fails.
pub fn build_portal(out: &Path) {
	let dir = web_dir();
	let mut command = Command::new("npx");
	command.current_dir(&dir).args(["vite", "build", "--emptyOutDir", "--logLevel", "warn", "--outDir"]).arg(out);
	let built = run_with_timeout(&mut command, BUILD_TIMEOUT, "vite build");
	assert!(built.status.success(), "building the portal failed:\n{}\n{}", built.stdout, built.stderr);
}

/// A static file server on a free port of 127.0.0.1, stopped on drop.
pub struct StaticServer {
	_child: ChildGuard,
	port: u16,
	_log: TempDir,
}

impl StaticServer {
	/// Serves the files in `root` and waits until the server listens.
	pub fn start(root: &Path) -> StaticServer {
		let log = TempDir::with_prefix("ehr-static-server-").expect("a temporary folder");
		let port = free_port();
		let file = File::create(log.path().join("server.log")).expect("the server's log file");
		let child = crate::dies_with_the_test(&mut Command::new("python3"))
			.args(["-m", "http.server", "--bind", "127.0.0.1", "--directory"])
			.arg(root)
			.arg(port.to_string())
			.stdin(Stdio::null())
			.stdout(Stdio::from(file.try_clone().expect("a second handle on the log")))
			.stderr(Stdio::from(file))
			.spawn()
			.expect("python3 starts (scripts/setup installs it)");
		let server = StaticServer { _child: ChildGuard(child), port, _log: log };
		let started = Instant::now();
		while TcpStream::connect(("127.0.0.1", port)).is_err() {
			assert!(started.elapsed() < SERVER_TIMEOUT, "the static file server did not listen in {SERVER_TIMEOUT:?}");
			thread::sleep(Duration::from_millis(100));
		}
		server
	}

	/// The address of the served folder.
	pub fn url(&self) -> String {
		format!("http://127.0.0.1:{}/", self.port)
	}
}

/// Runs `node SCRIPT` in web/ with `env`, within `timeout`.
pub fn node_script(script: &str, env: &[(&str, String)], timeout: Duration) -> Finished {
	let mut command = Command::new("node");
	command.current_dir(web_dir()).arg(script);
	for (name, value) in env {
		command.env(name, value);
	}
	run_with_timeout(&mut command, timeout, &format!("node {script}"))
}
