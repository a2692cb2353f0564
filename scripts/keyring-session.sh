#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked gnome-keyring (a real
# Secret Service), with its keyrings and Lagom's data in a throw-away folder.
# Usage: scripts/keyring-session.sh COMMAND [ARGS...]
set -euo pipefail
if [ -z "${LAGOM_KEYRING_INNER:-}" ]; then
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/lagom-keyring.XXXXXX")
  # D-Bus may have started the document portal, which mounts a FUSE file system in the
  # runtime folder: unmount it before removing the folder, and never fail the run over it.
  cleanup() {
    local doc="$scratch/run/doc"
    if mountpoint -q "$doc" 2>/dev/null; then
      fusermount3 -uz "$doc" 2>/dev/null || fusermount -uz "$doc" 2>/dev/null || umount -l "$doc" 2>/dev/null || true
    fi
    rm -rf "$scratch" 2>/dev/null || true
  }
  trap cleanup EXIT
  mkdir -p "$scratch/data" "$scratch/run"
  chmod 700 "$scratch/run"
  # Services that D-Bus starts on demand (xdg-desktop-portal) complain about the missing
  # desktop on stderr; keep that noise out of the test report.
  LAGOM_KEYRING_INNER=1 XDG_DATA_HOME="$scratch/data" XDG_RUNTIME_DIR="$scratch/run" \
    dbus-run-session -- "$0" "$@" 2> >(grep -v -e 'xdg-desktop-portal' -e '^dbus-daemon\[' -e '^dbus\[' -e 'SpiRegistry' >&2)
  exit $?
fi
mkdir -p "$XDG_DATA_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
# A throw-away login keyring, unlocked with a throw-away password.
eval "$(printf '%s' "lagom-test-keyring" | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
unset LAGOM_KEYRING_INNER
exec "$@"
