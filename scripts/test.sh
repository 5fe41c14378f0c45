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

step "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

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
