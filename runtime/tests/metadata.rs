//! The metadata the client's types are generated from
//! (`client/metadata/ehr-runtime.scale`) must be the runtime's. When the
//! runtime changes, run this test with `EHR_UPDATE_METADATA=1` to rewrite the
//! file, then rebuild the client. It lives with the runtime, not the client,
//! so that it builds when the client's generated types no longer match.

use std::path::Path;

#[test]
fn metadata_matches_the_runtime() {
	let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../client/metadata/ehr-runtime.scale");
	let fresh = ehr_runtime::Runtime::metadata_at_version(16).expect("the runtime serves metadata v16");
	let fresh: &[u8] = &fresh;
	if std::env::var_os("EHR_UPDATE_METADATA").is_some() {
		std::fs::write(&path, fresh).expect("writing the metadata file");
		return;
	}
	let committed = std::fs::read(&path).expect("client/metadata/ehr-runtime.scale exists");
	assert!(
		committed == fresh,
		"client/metadata/ehr-runtime.scale is not the runtime's metadata ({} vs {} bytes); run \
		 `EHR_UPDATE_METADATA=1 cargo test --release --workspace --test metadata` and rebuild the client",
		committed.len(),
		fresh.len()
	);
}
