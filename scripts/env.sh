# Shared build environment for every ehr-chain script and for CI.
# Source it; it sets no shell options of its own.
#
# - Debian's Rust (1.96, with rust-src and a wasm32v1-none sysroot installed
#   by scripts/setup) comes first in PATH, as docs/build.md explains.
# - Rust >= 1.96 no longer passes --allow-undefined to the wasm linker; the
#   runtime's host functions must stay imports, so it is given back here.
# - One persistent target directory outside the checkout, shared by scripts,
#   tests and CI, so only a new machine pays the cold build.

EHR_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export EHR_ROOT
if [ -x /usr/bin/cargo ] && [ -d /usr/lib/rustlib/wasm32v1-none/lib ]; then
	export PATH="/usr/bin:$PATH"
fi
export WASM_BUILD_RUSTFLAGS="${WASM_BUILD_RUSTFLAGS:--C link-arg=--allow-undefined}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/ehr-chain/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# The one profile in which tests and binaries are built.
export EHR_PROFILE_DIR="$CARGO_TARGET_DIR/release"
# The runtime's wasm build looks for Cargo.lock above its OUT_DIR, which lives
# in the target directory outside the checkout: point it at the workspace so
# the wasm is built from the committed lock file.
export WASM_BUILD_WORKSPACE_HINT="$EHR_ROOT"
