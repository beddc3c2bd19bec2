//! Builds the runtime's wasm blob (see docs/build.md for the toolchain it needs).
#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
