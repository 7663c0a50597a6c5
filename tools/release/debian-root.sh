#!/usr/bin/env bash
# A clean Debian root (no Node, no pnpm, no compiler): debootstrap's minbase of bookworm for one
# architecture (amd64, or arm64 through qemu-user's binfmt handler), from the machine's own Debian
# mirror. Cached: made once into out/cache/debian-<suite>-<arch>[-image] (git-ignored; the marker
# <dir>.complete says it is whole); a failed or partial run leaves nothing there, and the next run
# starts over. Prints the root.
#   bash tools/release/debian-root.sh amd64|arm64 [test|image]
# test (default): minbase alone, the release tests' clean root. image: minbase with what the
# container images' processes need beside our binary (iptables and nftables, for the plugins the
# resident server and the multus daemon run in-process), the base of tools/release/images.mjs.
set -euo pipefail
arch=${1:?usage: debian-root.sh amd64|arm64 [test|image]}
variant=${2:-test}
suite=bookworm
case "$variant" in
  test) include= suffix= ;;
  image) include=iptables,nftables suffix=-image ;;
  *) echo "debian-root: unknown variant $variant (test | image)" >&2; exit 2 ;;
esac
root_dir=$(cd "$(dirname "$0")/../.." && pwd)
cache="$root_dir/out/cache"
dest="$cache/debian-$suite-$arch$suffix"
if [ -x "$dest/bin/sh" ] && [ -e "$dest.complete" ]; then echo "$dest"; exit 0; fi
command -v debootstrap >/dev/null || { echo "debian-root: debootstrap missing (apt-get install debootstrap)" >&2; exit 1; }
[ "$arch" = amd64 ] || bash "$root_dir/tools/release/binfmt.sh" >&2
mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)\/\?$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n 1)
mirror=${mirror:-$(sed -n 's/^deb \(http[^ ]*\/debian\)\/\? .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
mkdir -p "$cache"
tmp="$dest.tmp.$$"
trap 'rm -rf "$tmp" "$tmp.log"' EXIT
debootstrap --arch="$arch" --variant=minbase ${include:+--include="$include"} "$suite" "$tmp" "$mirror" >"$tmp.log" 2>&1 || {
  echo "debian-root: debootstrap $arch failed:" >&2; tail -n 20 "$tmp.log" >&2; exit 1; }
# Nothing of the kind the release must not need: no Node, no compiler.
for f in usr/bin/node usr/bin/nodejs usr/bin/gcc usr/bin/cc; do
  [ ! -e "$tmp/$f" ] || { echo "debian-root: $f is in the clean root" >&2; exit 1; }
done
# debootstrap's downloads are not part of the root.
rm -rf "$tmp"/var/cache/apt/archives/*.deb "$tmp"/var/lib/apt/lists/*_Packages
rm -rf "$dest" "$dest.complete"
mv "$tmp" "$dest"
touch "$dest.complete"
trap - EXIT
rm -f "$tmp.log"
echo "$dest"
