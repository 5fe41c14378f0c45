# Sourced by the scripts: checks for (and, as root, installs) what the build needs.
# Debian 12 packages; the Rust toolchain comes from rust-toolchain.toml via rustup.

# apt packages needed to build and test the workspace.
VETMAI_APT_PACKAGES=(build-essential pkg-config)

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
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt
}
