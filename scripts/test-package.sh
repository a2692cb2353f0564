#!/usr/bin/env bash
# The packages proven: the .deb's control fields, file list and the libraries its binaries
# load, its AppStream metainfo and desktop entry as installed, the .rpm's presence; then, as
# root (or with password-less sudo), an install with the system's package manager, the
# installed app started under Xvfb to its first screen through tauri-driver, `lagom --version`
# from the package, and removal, after which nothing of the package remains and a register the
# installed `lagom` made is still there. Under CI the install part must run, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
fail() { echo "package test: $*" >&2; exit 1; }

# The newest package of each kind (an older version's may still be in the folder).
deb=$(ls -t "$target"/release/bundle/deb/*.deb 2>/dev/null | head -n 1)
rpm=$(ls -t "$target"/release/bundle/rpm/*.rpm 2>/dev/null | head -n 1)
[ -n "$deb" ] || fail "no .deb: run make package first"
[ -n "$rpm" ] && [ -s "$rpm" ] || fail "no .rpm was built"

work=$(mktemp -d)
installed_here=""
SUDO=()
cleanup() {
  if [ -n "$installed_here" ]; then
    ${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$installed_here" >/dev/null 2>&1 || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "--- control fields"
dpkg-deb -f "$deb" Package Version Architecture Section Depends Recommends
depends=$(dpkg-deb -f "$deb" Depends)
package=$(dpkg-deb -f "$deb" Package)
for needed in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3; do
  [[ "$depends" == *"$needed"* ]] || fail "Depends lacks $needed: $depends"
done

echo "--- file list"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||')
expected=(usr/bin/lagom-crm usr/bin/lagom usr/share/applications/Lagom.desktop
  usr/share/metainfo/se.lagom.crm.metainfo.xml)
for size in 16 22 24 32 48 64 128 256 512; do expected+=("usr/share/icons/hicolor/${size}x${size}/apps/lagom-crm.png"); done
for file in "${expected[@]}"; do grep -qxF "$file" <<<"$files" || fail "$file is not in the package"; done
echo "$(wc -l <<<"$files") entries, every expected file present"

echo "--- what the packaged binaries load, against Depends"
dpkg-deb -x "$deb" "$work/root"
for binary in usr/bin/lagom-crm usr/bin/lagom; do
  needed=$(readelf -d "$work/root/$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
  echo "$binary: $needed"
  # OpenSSL is compiled in: a binary that loads libssl or libcrypto was built the wrong way.
  [[ "$needed" != *libssl* && "$needed" != *libcrypto* ]] || fail "$binary loads the system's OpenSSL"
done

echo "--- metainfo and desktop entry, as installed"
appstreamcli validate --no-net "$work/root/usr/share/metainfo/se.lagom.crm.metainfo.xml"
desktop-file-validate "$work/root/usr/share/applications/Lagom.desktop"
grep -q '^Categories=Office;' "$work/root/usr/share/applications/Lagom.desktop" || fail "not in the Office category"
grep -q '^Keywords=CRM;GDPR;contacts;' "$work/root/usr/share/applications/Lagom.desktop" || fail "keywords missing"

if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    [ "${CI:-}" != "true" ] || fail "CI must install the package: run as root or with password-less sudo"
    echo "Installing needs root or password-less sudo: the install part is skipped."
    exit 0
  fi
fi
# Never install over (and then remove) a Lagom someone installed on this machine.
if dpkg -s "$package" >/dev/null 2>&1; then
  [ "${CI:-}" = "true" ] || { echo "$package is installed on this machine: the install part is skipped."; exit 0; }
  fail "$package is already installed: the test would not test this build"
fi

echo "--- install"
installed_here="$package"
${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$(realpath "$deb")" >/dev/null
/usr/bin/lagom --version
echo "--- the installed app's first screen, under Xvfb through tauri-driver"
(cd tests/e2e && LAGOM_APP=/usr/bin/lagom-crm LAGOM_DB="$work/data/lagom.db" ../../scripts/keyring-session.sh node installed.mjs)
# A register the installed command makes, which the removal must leave alone.
LAGOM_PASSPHRASE="package test passphrase" /usr/bin/lagom --db "$work/data/lagom.db" init --json >/dev/null

echo "--- remove"
${SUDO[@]+"${SUDO[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$package" >/dev/null
installed_here=""
for file in "${expected[@]}"; do [ ! -e "/$file" ] || fail "/$file is still there after removal"; done
! dpkg -s "$package" >/dev/null 2>&1 || fail "$package is still installed"
[ -f "$work/data/lagom.db" ] && [ -f "$work/data/lagom.db.key" ] || fail "the user's register went with the package"
echo "installed, started, removed; the user's data stayed"
