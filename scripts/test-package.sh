#!/usr/bin/env bash
# The packages proven by installing them: the .deb's control fields and file list, its
# AppStream metainfo and desktop entry, an install with the system's package manager, the
# installed app started under Xvfb to its first screen through tauri-driver, `lagom --version`
# from the package, then removal, after which nothing but the user's data remains.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    echo "Installing a package needs root or password-less sudo: the install test is skipped."
    exit 0
  fi
fi

deb=$(ls target/release/bundle/deb/*.deb)
rpm=$(ls target/release/bundle/rpm/*.rpm)
fail() { echo "package test: $*" >&2; exit 1; }

echo "--- control fields"
dpkg-deb -f "$deb" Package Version Architecture Section Depends Recommends
depends=$(dpkg-deb -f "$deb" Depends)
for needed in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3; do
  [[ "$depends" == *"$needed"* ]] || fail "Depends lacks $needed: $depends"
done
# The real runtime dependencies and nothing more: OpenSSL is compiled in.
[[ "$depends" != *libssl* ]] || fail "Depends names libssl, which is compiled in: $depends"
package=$(dpkg-deb -f "$deb" Package)

echo "--- file list"
files=$(dpkg-deb -c "$deb" | awk '{print $6}')
expected=(usr/bin/lagom-crm usr/bin/lagom usr/share/applications/Lagom.desktop
  usr/share/metainfo/se.lagom.crm.metainfo.xml)
for size in 16 22 24 32 48 64 128 256 512; do expected+=("usr/share/icons/hicolor/${size}x${size}/apps/lagom-crm.png"); done
# dpkg-deb lists paths with or without a leading "./", depending on the tool that made it.
files=$(sed 's|^\./||' <<<"$files")
for file in "${expected[@]}"; do grep -qxF "$file" <<<"$files" || fail "$file is not in the package"; done
echo "$(wc -l <<<"$files") entries, every expected file present"

echo "--- metainfo and desktop entry"
appstreamcli validate --no-net packaging/se.lagom.crm.metainfo.xml
extracted=$(mktemp -d)
dpkg-deb -x "$deb" "$extracted"
desktop-file-validate "$extracted/usr/share/applications/Lagom.desktop"
grep -q '^Categories=Office;' "$extracted/usr/share/applications/Lagom.desktop" || fail "not in the Office category"
grep -q '^Keywords=CRM;GDPR;contacts;' "$extracted/usr/share/applications/Lagom.desktop" || fail "keywords missing"
rm -rf "$extracted"
[ -s "$rpm" ] || fail "no .rpm was built"

echo "--- install"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "./$deb" >/dev/null
/usr/bin/lagom --version
data=$(mktemp -d)
echo "--- the installed app's first screen, under Xvfb through tauri-driver"
(cd tests/e2e && LAGOM_APP=/usr/bin/lagom-crm LAGOM_DB="$data/lagom.db" ../../scripts/keyring-session.sh node installed.mjs)
LAGOM_PASSPHRASE="package test passphrase" /usr/bin/lagom --db "$data/lagom.db" init --json >/dev/null

echo "--- remove"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get remove -y -q "$package" >/dev/null
for file in "${expected[@]}"; do [ ! -e "/$file" ] || fail "/$file is still there after removal"; done
! dpkg -s "$package" >/dev/null 2>&1 || fail "$package is still installed"
[ -f "$data/lagom.db" ] || fail "the user's register went with the package"
rm -rf "$data"
echo "installed, started, removed; the user's data stayed"
