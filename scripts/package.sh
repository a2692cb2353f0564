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

echo "==> Building the release app and its .deb and .rpm"
(cd src-tauri && OPENSSL_NO_VENDOR=0 ../ui/node_modules/.bin/tauri build --ci --bundles deb,rpm -- --locked --quiet)

for package in target/release/bundle/deb/*.deb target/release/bundle/rpm/*.rpm; do
  printf '%s  %s KiB\n' "$package" "$(( $(stat -c %s "$package") / 1024 ))"
done
