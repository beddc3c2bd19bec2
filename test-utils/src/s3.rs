//! A real S3-compatible server for tests: s3s-fs (from the s3s project),
//! which speaks the S3 protocol (SigV4 signatures, multipart uploads,
//! ranged reads, listings) over a folder. scripts/setup installs it once
//! into the shared cache; a test starts it on a free port in a temporary
//! folder, and it is killed when the [`S3Server`] is dropped.
//!
//! Each bucket is a folder under the server's root and each object a file
//! at its key, so a test can look at what the store holds, or damage it,
//! behind the node's back.

use crate::{free_port, tail, ChildGuard};
use std::{
	fs::{self, File},
	net::TcpStream,
	path::PathBuf,
	process::{Command, Stdio},
	thread,
	time::{Duration, Instant},
};
use tempfile::TempDir;

/// The s3s-fs version scripts/setup installs.
pub const S3S_FS_VERSION: &str = "0.17.0";
/// The access key the server takes (and nodes get in `AWS_ACCESS_KEY_ID`).
pub const ACCESS_KEY: &str = "ehr-test-access";
/// The secret key the server takes (and nodes get in `AWS_SECRET_ACCESS_KEY`).
pub const SECRET_KEY: &str = "ehr-test-secret-key";

/// How long the server may take to accept connections after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The `s3s-fs` binary: `EHR_S3S_FS_BIN` if set, else the one scripts/setup installed.
pub fn s3s_fs_binary() -> PathBuf {
	crate::tool_binary("EHR_S3S_FS_BIN", &format!("s3s-fs-{S3S_FS_VERSION}"), "s3s-fs")
}

/// A running s3s-fs server with one empty bucket.
pub struct S3Server {
	_child: ChildGuard,
	port: u16,
	dir: TempDir,
	bucket: String,
}

impl S3Server {
	/// Starts s3s-fs on a free port with an empty `bucket` and waits until
	/// it accepts connections.
	pub fn start(bucket: &str) -> S3Server {
		let dir = TempDir::with_prefix("ehr-s3-server-").expect("a temporary folder");
		let root = dir.path().join("root");
		fs::create_dir_all(root.join(bucket)).expect("the bucket's folder");
		let port = free_port();
		let log = File::create(dir.path().join("s3s-fs.log")).expect("the server's log file");
		let mut command = Command::new(s3s_fs_binary());
		crate::dies_with_the_test(&mut command);
		command
			.args(["--host", "127.0.0.1", "--port", &port.to_string()])
			.args(["--access-key", ACCESS_KEY, "--secret-key", SECRET_KEY])
			.arg(&root)
			.stdin(Stdio::null())
			.stdout(Stdio::from(log.try_clone().expect("a second handle on the log")))
			.stderr(Stdio::from(log));
		let child = ChildGuard(command.spawn().expect("s3s-fs starts"));
		let server = S3Server { _child: child, port, dir, bucket: bucket.to_owned() };
		let started = Instant::now();
		while TcpStream::connect(("127.0.0.1", port)).is_err() {
			assert!(started.elapsed() < START_TIMEOUT, "s3s-fs did not listen in {START_TIMEOUT:?}:\n{}", server.log());
			thread::sleep(Duration::from_millis(100));
		}
		server
	}

	/// The server's URL (`--ehr-s3-endpoint`).
	pub fn endpoint(&self) -> String {
		format!("http://127.0.0.1:{}", self.port)
	}

	/// The node arguments that keep its bodies here under `prefix`.
	pub fn node_args(&self, prefix: &str) -> Vec<String> {
		vec![
			"--ehr-object-store".into(),
			format!("s3://{}/{prefix}", self.bucket),
			"--ehr-s3-endpoint".into(),
			self.endpoint(),
			"--ehr-s3-allow-http".into(),
		]
	}

	/// The environment a node needs to sign its requests to this server.
	pub fn node_env(&self) -> Vec<(String, String)> {
		vec![
			("AWS_ACCESS_KEY_ID".into(), ACCESS_KEY.into()),
			("AWS_SECRET_ACCESS_KEY".into(), SECRET_KEY.into()),
			("AWS_REGION".into(), "us-east-1".into()),
		]
	}

	/// `ACCESS_KEY:SECRET_KEY`, as curl's `--user` takes them with `--aws-sigv4`.
	pub fn credentials(&self) -> String {
		format!("{ACCESS_KEY}:{SECRET_KEY}")
	}

	/// The file that holds the object `key` of the bucket.
	pub fn object_file(&self, key: &str) -> PathBuf {
		self.dir.path().join("root").join(&self.bucket).join(key)
	}

	/// Every object key under `prefix` in the bucket (s3s-fs's own
	/// bookkeeping files left out).
	pub fn keys(&self, prefix: &str) -> Vec<String> {
		let bucket = self.dir.path().join("root").join(&self.bucket);
		let mut keys = Vec::new();
		let mut folders = vec![bucket.join(prefix)];
		while let Some(folder) = folders.pop() {
			let Ok(entries) = fs::read_dir(&folder) else { continue };
			for entry in entries.flatten() {
				let path = entry.path();
				if path.is_dir() {
					folders.push(path);
				} else if let Ok(key) = path.strip_prefix(&bucket) {
					let key = key.to_string_lossy().into_owned();
					if !key.split('/').any(|part| part.starts_with('.')) {
						keys.push(key);
					}
				}
			}
		}
		keys.sort();
		keys
	}

	/// The tail of the server's log.
	pub fn log(&self) -> String {
		tail(&fs::read_to_string(self.dir.path().join("s3s-fs.log")).unwrap_or_default(), 40)
	}
}
