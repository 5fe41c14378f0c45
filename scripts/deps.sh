# Sourced by the scripts: checks for (and, as root, installs) what the build needs.
# Debian 12 packages; the Rust toolchain comes from rust-toolchain.toml via rustup.

# apt packages needed to build and test the workspace:
# - libclang-dev, protobuf-compiler, libssl-dev: the in-process solana-test-validator (rocksdb
#   bindgen, protobuf codegen, TLS) used by crates/vetmai-localnet and the indexer tests;
# - postgresql: initdb/pg_ctl for the throwaway Postgres the indexer tests start (unless
#   DATABASE_URL is set), plus psql.
VETMAI_APT_PACKAGES=(build-essential pkg-config libclang-dev protobuf-compiler libssl-dev postgresql)

ensure_deps() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "error: cargo not found. Install Rust with rustup (https://rustup.rs); rust-toolchain.toml selects 1.95.0." >&2
    exit 1
  fi
  local missing=()
  for p in "${VETMAI_APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
      echo "installing apt packages: ${missing[*]}"
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
      echo "error: missing packages: ${missing[*]}" >&2
      echo "install them with: sudo apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  # schemathesis (PyPI) fuzzes the access API's OpenAPI document in api/tests/fuzz.rs.
  if ! command -v schemathesis >/dev/null 2>&1; then
    if command -v pip3 >/dev/null 2>&1 || command -v pip >/dev/null 2>&1; then
      echo "installing schemathesis (pip)"
      "$(command -v pip3 || command -v pip)" install --quiet "schemathesis==4.32.5"
    else
      echo "error: schemathesis not found and no pip to install it: pip install schemathesis==4.32.5" >&2
      exit 1
    fi
  fi
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
}
