#!/usr/bin/env bash
# A clean Debian root for the release tests (no Node, no pnpm, no compiler): debootstrap's minbase
# of bookworm for one architecture (amd64, or arm64 through qemu-user's binfmt handler), from the
# machine's own Debian mirror. Cached: made once into out/cache/debian-<suite>-<arch> (git-ignored);
# a failed or partial run leaves nothing there, and the next run starts over. Prints the root.
#   bash tools/release/debian-root.sh amd64|arm64
set -euo pipefail
arch=${1:?usage: debian-root.sh amd64|arm64}
suite=bookworm
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
cache="$root_dir/out/cache"
dest="$cache/debian-$suite-$arch"
if [ -x "$dest/bin/sh" ] && [ -e "$dest/.complete" ]; then echo "$dest"; exit 0; fi
command -v debootstrap >/dev/null || { echo "debian-root: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
[ "$arch" = amd64 ] || bash "$root_dir/tools/release/binfmt.sh" >&2
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/\?$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-$(sed -n 's/^deb \(http[^ ]*\/debian\)\/\? .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$cache"
tmp="$dest.tmp.$$"
trap 'rm -rf "$tmp"' EXIT
debootstrap --arch="$arch" --variant=minbase "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1 || {
  echo "debian-root: debootstrap $arch failed:" >&2; tail -n 20 "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; }
rm -f "$tmp.log"
# Nothing of the kind the release must not need: no Node, no compiler.
for f in usr/bin/node usr/bin/nodejs usr/bin/gcc usr/bin/cc; do
  [ ! -e "$tmp/$f" ] || { echo "debian-root: $f is in the clean root" >&2; exit 1; }
done
touch "$tmp/.complete"
rm -rf "$dest"
mv "$tmp" "$dest"
trap - EXIT
echo "$dest"
