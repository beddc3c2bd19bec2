// SPDX-License-Identifier: GPL-3.0-only
//! Rebuilds the client when the runtime metadata its chain types are
//! generated from changes: subxt's macro reads `metadata/ehr-runtime.scale`
//! but does not tell cargo, so without this a rewritten metadata file
//! (`EHR_UPDATE_METADATA=1`) would leave a stale `ehr` binary behind.

fn main() {
	println!("cargo:rerun-if-changed=metadata/ehr-runtime.scale");
	println!("cargo:rerun-if-changed=build.rs");
}
