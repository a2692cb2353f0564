#!/usr/bin/env bash
# Every check and test, in the order that fails fastest. Run through `make test`, which
# installs what is missing first. Starts what the tests need itself: a D-Bus session with
# gnome-keyring (scripts/keyring-session.sh), Xvfb and tauri-driver (tests/e2e/driver.mjs).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

started=$SECONDS
step() {
  printf '\n==> %s  [%ss]\n' "$*" "$((SECONDS - started))"
}

step "Formatting: cargo fmt --check"
cargo fmt --all --check

step "UI: type check (svelte-check), lint (eslint), unit tests (vitest), build"
(cd ui && npm run --silent check && npm run --silent lint && npm run --silent test && npm run --silent build)

# One feature set for every cargo call below: the e2e app (`--features lagom-desktop/e2e`, debug
# builds only) is built together with the tests, so no dependency is compiled twice with
# different features. `lagom-core/unencrypted-benchmark` only lets the benchmark (linted here,
# run by `make bench`) open a plain SQLite file beside the encrypted one; nothing calls it.
features=(--workspace --all-targets --features lagom-desktop/e2e,lagom-core/unencrypted-benchmark)

step "Lint: cargo clippy --workspace --all-targets -D warnings"
cargo clippy "${features[@]}" --quiet -- -D warnings

step "Build: the core, the CLI, the app (with its e2e seams) and every test"
cargo build "${features[@]}" --quiet

step "Rust tests: core on real encrypted files, the CLI as a process, bindings, real keychain"
# In CI (root) the disk-full and read-only tests must mount their tmpfs, never skip.
mount_tests=()
if [ "${CI:-}" = "true" ]; then mount_tests=(LAGOM_REQUIRE_MOUNT_TESTS=1); fi
scripts/keyring-session.sh env LAGOM_TEST_KEYCHAIN=1 ${mount_tests[@]+"${mount_tests[@]}"} cargo test --workspace --features lagom-desktop/e2e,lagom-core/unencrypted-benchmark

step "No lock-in: a stock SQLCipher 4 opens the file with the recovery key alone"
target/lockin-venv/bin/python tests/lockin.py "${CARGO_TARGET_DIR:-target}/debug/lagom"

step "End to end: the real app under Xvfb via tauri-driver and WebKitWebDriver"
(cd tests/e2e && ../../scripts/keyring-session.sh npm test --silent)

step "Packages: the release app's .deb and .rpm built, then the .deb installed, started and removed"
scripts/package.sh
scripts/test-package.sh

step "All checks passed in $((SECONDS - started)) s"
