#!/usr/bin/env bash
# `make package`: the .deb and .rpm of the release app (Tauri's bundler), with the `lagom`
# command inside (/usr/bin/lagom), the desktop entry, the hicolor icons and the AppStream
# metainfo. Release builds compile a vendored OpenSSL, so neither binary needs libssl.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

echo "==> Building the UI (embedded in the app)"
(cd ui && npm run --silent build)

echo "==> Building the release lagom command"
OPENSSL_NO_VENDOR=0 cargo build --release --locked --quiet -p lagom-cli

echo "==> Building the release app"
(cd src-tauri && OPENSSL_NO_VENDOR=0 ../ui/node_modules/.bin/tauri build --ci --no-bundle -- --locked --quiet)

echo "==> The third-party licences, from the app itself (the copyright file)"
# The same list and texts About shows: every shipped crate and npm package with its licence.
target/release/lagom-crm --third-party-licences > target/release/third-party-licences.txt
grep -q 'ZETETIC LLC' target/release/third-party-licences.txt || { echo "the notice lacks SQLCipher's" >&2; exit 1; }

# The oldest C library both binaries run on: the newest glibc symbol version they use.
glibc=$(readelf -W --dyn-syms target/release/lagom-crm target/release/lagom | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
[ -n "$glibc" ] || { echo "could not read the glibc version the binaries need" >&2; exit 1; }
echo "The binaries need glibc $glibc or newer"

echo "==> The .deb and .rpm"
# The declared dependencies, with the C library's version measured above put first.
config=$(node -e '
  const conf = require("./src-tauri/tauri.conf.json");
  const [glibc] = process.argv.slice(1);
  const deb = conf.bundle.linux.deb, rpm = conf.bundle.linux.rpm;
  console.log(JSON.stringify({ bundle: { linux: {
    deb: { depends: [`libc6 (>= ${glibc})`, ...deb.depends] },
    rpm: { depends: [`glibc >= ${glibc}`, ...rpm.depends] },
  } } }));' "$glibc")
(cd src-tauri && ../ui/node_modules/.bin/tauri bundle --ci --bundles deb,rpm --config "$config")

for package in target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm; do
  printf '%s  %s KiB\n' "$package" "$(( $(stat -c %s "$package") / 1024 ))"
done
