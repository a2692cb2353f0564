#!/usr/bin/env bash
# Installs what Lagom needs on Debian/Ubuntu, checking before installing anything.
# Usage: scripts/setup.sh run    packages to build and run the app
#        scripts/setup.sh test   the same, plus Xvfb, WebKitWebDriver, gnome-keyring, tauri-driver
# Idempotent; uses sudo only when not root; says what it does.
set -euo pipefail
mode=${1:-run}
cd "$(dirname "$0")/.."

say() { printf '==> %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- System packages (Tauri 2 on Linux; test tools) -------------------------------------
packages=(build-essential pkg-config file curl libwebkit2gtk-4.1-dev libxdo-dev libssl-dev
  libayatana-appindicator3-dev librsvg2-dev libdbus-1-dev)
if [ "$mode" = test ]; then
  packages+=(xvfb xauth webkit2gtk-driver dbus-daemon dbus-bin gnome-keyring procps xclip appstream desktop-file-utils rpm xdotool)
fi
if command -v dpkg-query >/dev/null; then
  missing=()
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    say "Installing system packages: ${missing[*]}"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    say "System packages: all ${#packages[@]} present"
  fi
else
  say "Not a Debian/Ubuntu system: install the equivalents of: ${packages[*]}"
fi

# --- Rust -------------------------------------------------------------------------------
command -v cargo >/dev/null || die "Rust is missing: install it from https://rustup.rs, then run this again"
if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  say "Adding the rustfmt and clippy components"
  rustup component add rustfmt clippy
fi
say "Rust: $(rustc --version)"

# --- Node.js (Vite 8 needs 20.19 or newer) ----------------------------------------------
node_ok() {
  command -v node >/dev/null && node -e '
    const [a, b] = process.versions.node.split(".").map(Number);
    process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}
if ! command -v node >/dev/null; then
  say "Installing Node.js from the distribution"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm
fi
node_ok || die "Node.js $(node --version 2>/dev/null || echo none) is too old: Lagom's UI needs 20.19 or newer"
say "Node.js: $(node --version)"

npm_install() { # folder
  local dir=$1
  if [ ! -f "$dir/node_modules/.package-lock.json" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "Installing Node modules in $dir (npm ci)"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  else
    say "Node modules in $dir: up to date"
  fi
}
npm_install ui

# --- Test tools -------------------------------------------------------------------------
if [ "$mode" = test ]; then
  npm_install tests/e2e
  # An independent SQLCipher 4 (PyPI's sqlcipher3-binary) for the no-lock-in test.
  venv=target/lockin-venv
  if ! "$venv/bin/python" -c 'import sqlcipher3' 2>/dev/null; then
    command -v python3 >/dev/null || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
    python3 -m venv "$venv" 2>/dev/null || {
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
      python3 -m venv "$venv"
    }
    say "Installing sqlcipher3-binary into $venv (an independent SQLCipher for the no-lock-in test)"
    "$venv/bin/pip" install --quiet --disable-pip-version-check sqlcipher3-binary
  else
    say "sqlcipher3 (independent SQLCipher): present in $venv"
  fi
  if ! command -v tauri-driver >/dev/null; then
    say "Installing tauri-driver 2.1.0 (cargo install, about a minute)"
    cargo install tauri-driver --version 2.1.0 --locked --quiet
  else
    say "tauri-driver: $(command -v tauri-driver)"
  fi
fi
