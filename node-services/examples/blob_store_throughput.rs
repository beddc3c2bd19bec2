//! Blob store put and get throughput, next to plain file writes and reads
//! of the same sizes in the same folder and run.
//!
//! - put: chunked upload (1 MiB chunks), hash check, fsync, rename, folder
//!   fsync; baseline: write the file in 1 MiB pieces, fsync.
//! - get: range reads of 1 MiB after the blob store's hash check (first read
//!   in a fresh store: the whole body is hashed); baseline: read the file.
//!
//! `cargo run --release -p ehr-node-services --example blob_store_throughput [DIR]`

use ehr_node_services::blob_store::BlobStore;
use sp_core::H256;
use std::{
	fs::File,
	io::{Read, Write},
	path::PathBuf,
	time::Instant,
};

const CHUNK: usize = 1 << 20;

fn mb_per_s(bytes: usize, seconds: f64) -> f64 {
	bytes as f64 / (1024.0 * 1024.0) / seconds
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
	let root: PathBuf = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(std::env::temp_dir);
	let dir = tempfile::Builder::new().prefix("ehr-blob-bench-").tempdir_in(&root).expect("a temporary folder");
	println!("blob store vs plain files in {}", dir.path().display());
	println!(
		"{:>8}  {:>12} {:>12} {:>6}  {:>12} {:>12} {:>6}",
		"size", "put MB/s", "file MB/s", "ratio", "get MB/s", "file MB/s", "ratio"
	);
	for size in [1usize << 20, 8 << 20, 32 << 20, 128 << 20] {
		let body: Vec<u8> = (0..size).map(|i| ((i as u64 * 2_654_435_761) >> 9) as u8).collect();
		let hash = H256::from(sp_crypto_hashing::blake2_256(&body));

		let plain = dir.path().join(format!("plain-{size}"));
		let start = Instant::now();
		let mut file = File::create(&plain).expect("create");
		for chunk in body.chunks(CHUNK) {
			file.write_all(chunk).expect("write");
		}
		file.sync_all().expect("fsync");
		drop(file);
		let file_put = mb_per_s(size, start.elapsed().as_secs_f64());

		let store = BlobStore::open(&dir.path().join(format!("store-{size}")), u64::MAX).await.expect("store");
		let start = Instant::now();
		let mut offset = 0;
		for chunk in body.chunks(CHUNK) {
			store.put_chunk(hash, size as u64, offset, chunk.to_vec()).await.expect("put");
			offset += chunk.len() as u64;
		}
		let store_put = mb_per_s(size, start.elapsed().as_secs_f64());

		let start = Instant::now();
		let mut read = Vec::with_capacity(size);
		File::open(&plain).expect("open").read_to_end(&mut read).expect("read");
		let file_get = mb_per_s(size, start.elapsed().as_secs_f64());
		assert_eq!(read.len(), size);

		// A fresh store: the first read hashes the whole body, as after a restart.
		let fresh = BlobStore::open(&dir.path().join(format!("store-{size}")), u64::MAX).await.expect("store");
		let start = Instant::now();
		let mut got = 0usize;
		while got < size {
			let (data, _) = fresh.read_range(&hash, got as u64, CHUNK as u32).await.expect("read");
			got += data.len();
		}
		let store_get = mb_per_s(size, start.elapsed().as_secs_f64());

		println!(
			"{:>6}MiB  {:>12.0} {:>12.0} {:>5.2}x  {:>12.0} {:>12.0} {:>5.2}x",
			size >> 20,
			store_put,
			file_put,
			store_put / file_put,
			store_get,
			file_get,
			store_get / file_get
		);
	}
}
