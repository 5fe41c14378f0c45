#!/usr/bin/env bash
# Every check CI runs, in order: toolchain and system packages, formatting, lints, every test,
# and the committed IDL's freshness. `.ci/run` calls exactly this.
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

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test --workspace"
cargo test --workspace --locked

step "IDL is up to date (idl/vetmai.json)"
cargo run -q -p idl-gen --locked -- --check

step "all checks passed"
