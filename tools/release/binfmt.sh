#!/usr/bin/env bash
# Registers qemu-user-static's arm64 handler with the kernel's binfmt_misc, so that arm64 ELF
# files (Node's arm64 build while `pnpm release` makes the arm64 binary, the arm64 tarball in the
# release test) run here under emulation. systemd-binfmt does this at boot where it runs; machines
# without it (containers, CI) need this. Idempotent; root only. The F flag of Debian's entry makes
# the kernel open the interpreter now, so it also works inside a chroot that lacks it.
set -euo pipefail
conf=/usr/lib/binfmt.d/qemu-aarch64.conf
dir=/proc/sys/fs/binfmt_misc
[ -e "$dir/qemu-aarch64" ] && exit 0
[ -r "$conf" ] || { echo "binfmt: $conf missing: apt-get install qemu-user-static" >&2; exit 1; }
[ -e "$dir/register" ] || mount -t binfmt_misc binfmt_misc "$dir"
cat "$conf" > "$dir/register"
echo "binfmt: qemu-aarch64 registered"
