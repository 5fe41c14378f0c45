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

# Node.js and npm build the web app (app/) and run its browser test; Debian 12's own nodejs is
# too old for Vite, so they are not installed from apt here.
ensure_node() {
  local major
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "error: node and npm not found: install Node.js 20 or newer (https://nodejs.org or your distribution)" >&2
    exit 1
  fi
  major=$(node -p 'process.versions.node.split(".")[0]')
  if ((major < 20)); then
    echo "error: Node.js $(node -v) is too old for the web app's build: install Node.js 20 or newer" >&2
    exit 1
  fi
}

# Installs the app's npm packages when the lock file changed, and builds app/dist when a source
# is newer than the last build.
build_app() {
  (
    cd app
    if [[ ! -d node_modules || package-lock.json -nt node_modules/.package-lock.json ]]; then
      npm ci --no-audit --no-fund --loglevel=error
    fi
    if [[ ! -f dist/index.html ]] || [[ -n $(find src index.html package.json vite.config.* -newer dist/index.html 2>/dev/null | head -1) ]]; then
      npm run build --silent
    fi
  )
}

# Debian's chromium for the web app's headless browser test.
ensure_chromium() {
  if [[ -x /usr/bin/chromium ]]; then return; fi
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (apt) for the browser test"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "error: /usr/bin/chromium not found: sudo apt-get install -y chromium" >&2
    exit 1
  fi
}
