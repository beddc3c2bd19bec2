//! Builds the runtime's wasm blob (see docs/build.md for the toolchain it
//! needs), and a second one that differs only in a higher `spec_version`,
//! with which the integration tests upgrade a running network by vote.
#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
	substrate_wasm_builder::WasmBuilder::init_with_defaults()
		.enable_feature("upgrade-test-version")
		.set_file_name("wasm_binary_upgrade_test.rs")
		.build();
}

#[cfg(not(feature = "std"))]
fn main() {}
