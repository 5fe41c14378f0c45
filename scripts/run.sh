#!/usr/bin/env bash
# Runs the whole system locally: the validator with the program (in-process, native), a private
# Postgres, the indexer, the access API and the web app, seeded with a demo world, and prints the
# URLs, keypair paths and what to try next. Ctrl-C stops everything; running it again resumes the
# saved state. Extra flags go to vetmai-sandbox: --reset starts over, --help lists the ports.
#
# Installs what it needs: Debian packages when run as root (otherwise it names them), the web
# app's npm packages (from app/package-lock.json), and builds into $CARGO_TARGET_DIR
# (default ~/.cache/vetmai/target, shared with ./scripts/test.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
ensure_deps
ensure_node

export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/vetmai/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

echo "==> building the web app (app/dist)"
build_app

echo "==> building the workspace (a first build takes a while: the validator is compiled from source)"
# All targets, so features unify exactly as in `cargo test --workspace` (dev-dependencies
# included): the binaries then share every artifact with ./scripts/test.sh instead of compiling
# the validator stack a second time with other features.
cargo build --workspace --all-targets --locked

exec "$CARGO_TARGET_DIR/debug/vetmai-sandbox" --app-dir app/dist "$@"
