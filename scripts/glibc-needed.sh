#!/usr/bin/env bash
# Prints the newest glibc version the given ELF binaries need, read from their version-needs
# sections (`readelf -V`), so a version needed without a symbol of its own counts too:
# GLIBC_ABI_DT_RELR (packed relocations) means 2.36.
set -euo pipefail
# Read first, so a binary readelf cannot read fails the script instead of lowering the floor.
sections=$(readelf -W -V "$@")
needs=$(grep -o 'Name: GLIBC_[A-Z_0-9.]*' <<<"$sections" | sed 's/Name: GLIBC_//' | sort -u || true)
versions=$(grep -E '^[0-9]+(\.[0-9]+)*$' <<<"$needs" || true)
if grep -qx 'ABI_DT_RELR' <<<"$needs"; then versions+=$'\n2.36'; fi
newest=$(grep . <<<"$versions" | sort -V | tail -n 1 || true)
[ -n "$newest" ] || { echo "no glibc version needs in $*" >&2; exit 1; }
echo "$newest"
