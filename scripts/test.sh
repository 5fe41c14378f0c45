#!/usr/bin/env bash
# Every check CI runs, in order: toolchain and system packages, formatting, lints, every test,
# the committed IDL's freshness, the web app's tests, and the README's run command driven by a
# headless browser. `.ci/run` calls exactly this.
#
# Builds go to $CARGO_TARGET_DIR (default ~/.cache/vetmai/target), outside the clone, so a fresh
# clone reuses earlier builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_deps

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vetmai/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
# solana-program-test logs every instruction at debug level unless told otherwise.
export RUST_LOG="${RUST_LOG:-error}"

step() { printf '\n==> [%dm%02ds] %s\n' $((SECONDS / 60)) $((SECONDS % 60)) "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

# Lints and the test build in one compile. `cargo clippy` is `cargo check` with clippy-driver as
# the workspace's rustc wrapper and its arguments in CLIPPY_ARGS; run as a separate step it
# checks every dependency (≈ 1 200 crates, the validator stack among them) only for the test
# build to compile them all again. Here clippy-driver compiles (and lints) the workspace's own
# crates while the dependencies are compiled once by rustc: a cold CI run saves the whole check
# pass. The variables stay exported, so the later cargo commands reuse this build.
step "build every target, linted by clippy (warnings are errors)"
clippy_driver="$(command -v clippy-driver)" || { echo "error: clippy-driver not found: rustup component add clippy" >&2; exit 1; }
export RUSTC_WORKSPACE_WRAPPER="$clippy_driver"
export CLIPPY_ARGS="-D__CLIPPY_HACKERY__warnings__CLIPPY_HACKERY__"
cargo test --workspace --all-targets --locked --no-run

step "cargo test --workspace"
cargo test --workspace --locked --no-fail-fast

step "IDL is up to date (idl/vetmai.json)"
cargo run -q -p idl-gen --locked -- --check

step "web app: npm ci, type check and build, unit tests"
ensure_node
(cd app && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build && npm test --silent)

step "the README's run command + headless-browser test (scripts/sandbox-e2e.sh)"
./scripts/sandbox-e2e.sh

step "all checks passed"
