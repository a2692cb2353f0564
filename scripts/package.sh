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
for notice in 'ZETETIC LLC' 'Lagom CRM: LICENSE-APACHE'; do
  grep -qF "$notice" target/release/third-party-licences.txt || { echo "the notice lacks $notice" >&2; exit 1; }
done

# The oldest C library both binaries run on: the newest glibc version they need, read from
# their version-needs sections (a version can be needed without a symbol of it).
glibc=$(scripts/glibc-needed.sh target/release/lagom-crm target/release/lagom)
echo "The binaries need glibc $glibc or newer"

echo "==> The .deb and .rpm"
# The declared dependencies, with the C library's version measured above put first.
config=$(node -e '
  const conf = require("./src-tauri/tauri.conf.json");
  const [glibc] = process.argv.slice(1);
  const deb = conf.bundle.linux.deb, rpm = conf.bundle.linux.rpm;
  console.log(JSON.stringify({ bundle: { linux: {
    deb: { depends: [`libc6 (>= ${glibc})`, ...deb.depends] },
    // rpm compares versions only in its own syntax, which Tauri does not write: the
    // capability glibc itself provides for that version, as rpmbuild would declare it.
    rpm: { depends: [`libc.so.6(GLIBC_${glibc})(64bit)`, ...rpm.depends] },
  } } }));' "$glibc")
(cd src-tauri && ../ui/node_modules/.bin/tauri bundle --ci --bundles deb,rpm --config "$config")

for package in target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm; do
  printf '%s  %s KiB\n' "$package" "$(( $(stat -c %s "$package") / 1024 ))"
done
