#!/usr/bin/env bash
# Issue 6's CI test: build the .deb, install it with apt-get, use the installed binary (version,
# models fetch/verify, a stylize), then remove the package cleanly. Needs root (CI is root).
# Usage: scripts/test_package.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(realpath "${1:-$root/build}")
pass=0; fail=0
check() { local name=$1; shift; if "$@"; then pass=$((pass+1)); echo "ok   $name"; else fail=$((fail+1)); echo "FAIL $name"; fi; }

(cd "$build" && rm -f pastiche_*.deb && cpack -G DEB >/dev/null)
deb=$(ls "$build"/pastiche_*.deb | head -1)
echo "package: $deb ($(du -h "$deb" | cut -f1))"
dpkg-deb -c "$deb" | awk '{print $6}' | grep -E 'bin/pastiche$|applications/pastiche.desktop$|hicolor/.*/pastiche\.(png|svg)$|man1/pastiche\.1$' > /tmp/pastiche-deb-files.txt || true
check "deb holds binary, desktop entry, icons and man page" bash -c "grep -q bin/pastiche /tmp/pastiche-deb-files.txt && grep -q pastiche.desktop /tmp/pastiche-deb-files.txt && grep -q hicolor /tmp/pastiche-deb-files.txt && grep -q man1/pastiche.1 /tmp/pastiche-deb-files.txt"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq "$deb" >/dev/null
check "installed binary runs --version" bash -c "/usr/bin/pastiche --version | grep -q pastiche"
echo "NEEDED: $(readelf -d /usr/bin/pastiche | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')"
check "binary links no library it does not use (ldd -u)" bash -c "[ -z \"\$(ldd -u -r /usr/bin/pastiche 2>&1)\" ]"
check "binary holds no build or source tree path" bash -c "! strings -n 4 /usr/bin/pastiche | grep -qF -e '$root' -e '$build'"
check "library dependencies computed by dpkg-shlibdeps" bash -c "dpkg-deb -f '$deb' Depends | grep -q 'libc6 (>='"
home=$(mktemp -d)
export HOME=$home XDG_DATA_HOME=$home/data XDG_CACHE_HOME=$home/cache
unset PASTICHE_MODELS
out=$(/usr/bin/pastiche bench --size 32 --frames 1 2>&1 || true)
check "first run without models says how to fetch" bash -c "grep -q 'pastiche models fetch' <<<\"\$0\"" "$out"
check "models fetch (offline, from a local source)" env PASTICHE_MODEL_SOURCE="$root/../shared" /usr/bin/pastiche models fetch
check "models verify" /usr/bin/pastiche models verify
style=$(ls "$XDG_DATA_HOME"/pastiche/models/styles/*.jpg | head -1)
check "stylize through the installed binary" /usr/bin/pastiche stylize "$root/../shared/media/content/chicago.jpg" -o "$home/out.png" --style "$style" --size 256 --backend cpu
check "stylized output exists" test -s "$home/out.png"
for sub in stylize style-vector bench models devices live cameras gui; do
  check "--help for $sub" bash -c "/usr/bin/pastiche $sub --help | grep -q Usage"
done
apt-get remove -y -qq pastiche >/dev/null
check "package removed cleanly" bash -c "! test -e /usr/bin/pastiche && ! dpkg -s pastiche >/dev/null 2>&1"
rm -rf "$home"
echo "package: $pass passed, $fail failed"
[ "$fail" = 0 ]
