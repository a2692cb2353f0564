#!/usr/bin/env bash
# The packages proven: the .deb's control fields (a Maintainer with an e-mail, a libc6 at least
# as new as the binaries need), file list, the libraries its binaries load and its copyright
# file (every shipped package's licence texts), its AppStream metainfo and desktop entry as
# installed; the .rpm's requirements, and its install into a scratch root (rpm --root: its
# payload and digests, not its dependencies, which this Debian machine cannot resolve); then, as
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
  # The scratch root's files are root's when sudo made them.
  ${SUDO[@]+"${SUDO[@]}"} rm -rf "$work/rpm-root" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Installing (the .rpm into a scratch root, the .deb into the system) needs root or
# password-less sudo; the checks before it do not.
can_install=true
if [ "$(id -u)" -ne 0 ]; then
  if sudo -n true 2>/dev/null; then SUDO=(sudo -n); else
    [ "${CI:-}" != "true" ] || fail "CI must install the package: run as root or with password-less sudo"
    can_install=false
  fi
fi

echo "--- control fields"
dpkg-deb -f "$deb" Package Version Architecture Section Depends Recommends
depends=$(dpkg-deb -f "$deb" Depends)
package=$(dpkg-deb -f "$deb" Package)
for needed in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3 'libc6 (>= '; do
  [[ "$depends" == *"$needed"* ]] || fail "Depends lacks $needed: $depends"
done
maintainer=$(dpkg-deb -f "$deb" Maintainer)
[[ "$maintainer" =~ ^[^\<]+\ \<[^@\>]+@[^\>]+\>$ ]] || fail "Maintainer is not 'Name <e-mail>': $maintainer"

echo "--- file list"
files=$(dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./||')
expected=(usr/bin/lagom-crm usr/bin/lagom usr/share/applications/Lagom.desktop
  usr/share/metainfo/se.lagom.crm.metainfo.xml)
for size in 16 22 24 32 48 64 128 256 512; do expected+=("usr/share/icons/hicolor/${size}x${size}/apps/lagom-crm.png"); done
for file in "${expected[@]}" "usr/share/doc/$package/copyright"; do
  grep -qxF "$file" <<<"$files" || fail "$file is not in the package"
done
echo "$(wc -l <<<"$files") entries, every expected file present"

echo "--- what the packaged binaries load, against Depends"
all_needed=""
dpkg-deb -x "$deb" "$work/root"
for binary in usr/bin/lagom-crm usr/bin/lagom; do
  needed=$(readelf -d "$work/root/$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
  echo "$binary: $needed"
  # OpenSSL is compiled in: a binary that loads libssl or libcrypto was built the wrong way.
  [[ "$needed" != *libssl* && "$needed" != *libcrypto* ]] || fail "$binary loads the system's OpenSSL"
  all_needed+=" $needed"
done
# Every library loaded comes from a declared package or one a declared package depends on, and
# every declared package provides a library loaded: the real dependencies, and nothing more.
declared=$(sed 's/([^)]*)//g; s/,/ /g' <<<"$depends" | xargs -n 1 | sort -u)
closure=$(apt-cache depends --recurse --important --no-recommends --no-suggests $declared 2>/dev/null | grep -v '^ ' | sort -u)
providers=""
for library in $(xargs -n 1 <<<"$all_needed" | sort -u); do
  provider=$(dpkg -S "*/$library" 2>/dev/null | head -n 1 | cut -d: -f1)
  [ -n "$provider" ] || fail "no installed package provides $library, which a packaged binary loads"
  grep -qxF "$provider" <<<"$closure" || fail "$library comes from $provider, which Depends does not bring"
  providers+="$provider"$'\n'
done
for package_name in $declared; do
  grep -qxF "$package_name" <<<"$providers" || fail "Depends declares $package_name, which provides no library a binary loads"
done
echo "every loaded library is brought by Depends ($(xargs <<<"$declared")), and each of those is loaded"

# The newest glibc symbol version either binary uses, against the libc6 the package declares.
glibc_needed=$(scripts/glibc-needed.sh "$work/root/usr/bin/lagom-crm" "$work/root/usr/bin/lagom")
glibc_declared=$(sed -n 's/.*libc6 (>= \([0-9.]*\)).*/\1/p' <<<"$depends")
[ "$(printf '%s\n%s\n' "$glibc_needed" "$glibc_declared" | sort -V | tail -n 1)" = "$glibc_declared" ] ||
  fail "the binaries need glibc $glibc_needed, the package declares libc6 (>= $glibc_declared)"
echo "glibc: needs $glibc_needed, declares libc6 (>= $glibc_declared)"

echo "--- the copyright file: every shipped package's licence and its texts"
copyright="$work/root/usr/share/doc/$package/copyright"
[ -s "$copyright" ] || fail "no /usr/share/doc/$package/copyright"
# The list of packages ends where the first text begins.
listed=$(sed '/^-\{40\} \[/q' "$copyright" | grep -c '^  [^ ]* [^ ]*: ' || true)
[ "$listed" -ge 100 ] || fail "the copyright file lists only $listed packages"
for notice in 'ZETETIC LLC' 'openssl/LICENSE' 'svelte ' 'rusqlite ' 'Apache License'; do
  grep -qF "$notice" "$copyright" || fail "the copyright file lacks $notice"
done
echo "$listed packages, $(grep -c '^---------------------------------------- \[' "$copyright") licence texts"

echo "--- metainfo and desktop entry, as installed"
appstreamcli validate --no-net "$work/root/usr/share/metainfo/se.lagom.crm.metainfo.xml"
desktop-file-validate "$work/root/usr/share/applications/Lagom.desktop"
grep -q '^Categories=Office;' "$work/root/usr/share/applications/Lagom.desktop" || fail "not in the Office category"
grep -q '^Keywords=CRM;GDPR;contacts;' "$work/root/usr/share/applications/Lagom.desktop" || fail "keywords missing"

echo "--- the .rpm: what it requires, and an install into a scratch root"
if command -v rpm >/dev/null; then
  # Queries read the package with a database of their own and no plugins: nothing of the host's.
  rpmq=(rpm --dbpath "$work/rpm-query-db" --noplugins)
  requires=$("${rpmq[@]}" -qp --qf '[%{REQUIRENAME}\n]' "$rpm" 2>/dev/null)
  for needed in "libc.so.6(GLIBC_$glibc_declared)(64bit)" webkit2gtk4.1 gtk3 dbus-libs; do
    grep -qxF "$needed" <<<"$requires" || fail "the .rpm does not require $needed: $(tr '\n' ' ' <<<"$requires")"
  done
  # A requirement is a name (with a version only in rpm's own fields): a space means a version
  # written into the name, which nothing provides.
  ! grep -q ' ' <<<"$requires" || fail "the .rpm requires a name with a space in it: $(grep ' ' <<<"$requires")"
  scripts=$("${rpmq[@]}" -qp --scripts "$rpm" 2>/dev/null)
  grep -q 'rmdir /usr/share/licenses/lagom' <<<"$scripts" || fail "the .rpm does not remove its notice's folder"
  if $can_install; then
    rpm_name=$("${rpmq[@]}" -qp --qf '%{NAME}' "$rpm" 2>/dev/null)
    rpmroot="$work/rpm-root"
    rpmr=(${SUDO[@]+"${SUDO[@]}"} rpm --root "$rpmroot" --noplugins)
    mkdir -p "$rpmroot"
    "${rpmr[@]}" --initdb
    # Debian's rpm warns that it is not the system's package manager; that is known here.
    "${rpmr[@]}" -i --nodeps --noscripts "$rpm" 2>"$work/rpm.log" || { cat "$work/rpm.log" >&2; fail "the .rpm did not install"; }
    "${rpmr[@]}" -V --nodeps "$rpm_name" || fail "the installed .rpm's files do not match its digests"
    for file in "${expected[@]}" usr/share/licenses/"$rpm_name"/THIRD-PARTY-LICENSES; do
      [ -f "$rpmroot/$file" ] || fail "the .rpm did not install /$file"
    done
    # The same build in both (the app differs only in the bundle type Tauri patches into it).
    cmp -s "$rpmroot/usr/bin/lagom" "$work/root/usr/bin/lagom" || fail "the .rpm and the .deb ship different lagom commands"
    [ "$(stat -c %s "$rpmroot/usr/bin/lagom-crm")" = "$(stat -c %s "$work/root/usr/bin/lagom-crm")" ] ||
      fail "the .rpm and the .deb ship different apps"
    "${rpmr[@]}" -e --nodeps --noscripts "$rpm_name" 2>>"$work/rpm.log" || { cat "$work/rpm.log" >&2; fail "the .rpm did not remove"; }
    left=$(find "$rpmroot/usr" -type f 2>/dev/null | head -n 3)
    [ -z "$left" ] || fail "removing the .rpm left $left"
    echo "requires $(grep -c . <<<"$requires") names, installed, verified and removed in a scratch root"
  else
    echo "Installing needs root or password-less sudo: the .rpm's scratch-root install is skipped."
  fi
else
  [ "${CI:-}" != "true" ] || fail "rpm is missing: scripts/setup.sh installs it"
  echo "rpm is not installed: the .rpm's checks are skipped."
fi

$can_install || { echo "Installing needs root or password-less sudo: the install part is skipped."; exit 0; }
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
for file in "${expected[@]}" "usr/share/doc/$package/copyright"; do
  [ ! -e "/$file" ] || fail "/$file is still there after removal"
done
! dpkg -s "$package" >/dev/null 2>&1 || fail "$package is still installed"
[ -f "$work/data/lagom.db" ] && [ -f "$work/data/lagom.db.key" ] || fail "the user's register went with the package"
echo "installed, started, removed; the user's data stayed"
