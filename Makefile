# Lagom CRM. The two commands a newcomer needs:
#   make run    set everything up, then build and start the app
#   make test   set everything up, then run every check and test (what CI runs)
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run test setup setup-test ui app cli release package test-package bindings bench

help:
	@echo "make run    - install what is missing, build the UI and the app, start Lagom"
	@echo "make test   - install what is missing, then fmt, clippy, UI checks, unit, CLI and end-to-end tests"
	@echo "make cli    - build the lagom command (target/debug/lagom)"
	@echo "make release - an optimised app binary (target/release/lagom-desktop)"
	@echo "make package - the .deb and .rpm of the release app, with the lagom command (target/release/bundle)"
	@echo "make test-package - build the packages, then install, start and remove the .deb"
	@echo "make bench  - the 100 000-contact benchmark (release mode) quoted in docs/performance.md"

setup:
	@scripts/setup.sh run

setup-test:
	@scripts/setup.sh test

ui:
	@echo "==> Building the UI (ui/dist, embedded in the app at compile time)"
	@cd ui && npm run build --silent

app: ui
	@echo "==> Building the app"
	@cargo build -p lagom-desktop -p lagom-cli

cli:
	@cargo build -p lagom-cli

run: setup app
	@echo "==> Starting Lagom (data: $${LAGOM_DB:-the OS data directory})"
	@cargo run -q -p lagom-desktop

release: setup ui
	@OPENSSL_NO_VENDOR=0 cargo build --release -p lagom-desktop -p lagom-cli

test: setup-test
	@scripts/test.sh

package: setup-test
	@scripts/package.sh

test-package: package
	@scripts/test-package.sh

bindings:
	@UPDATE_BINDINGS=1 cargo test -q -p lagom-desktop bindings

bench: setup
	@echo "==> 100 000 contacts, encrypted beside plain SQLite, release mode (about 10 minutes)"
	@cargo bench -p lagom-core --features unencrypted-benchmark
