#!/usr/bin/env bash
# One-step set-up of a fresh Debian machine for cni-ts: system packages, pnpm, the workspace
# (which brings Node 24 as a dev dependency), then runs `pnpm <args>` if any were given.
#   bash tools/bootstrap.sh demo     # install everything and run the main job
#   bash tools/bootstrap.sh          # install only
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=$(node -p "require('./package.json').packageManager.split('@')[1]")
APT_PACKAGES=(iproute2 iptables nftables iputils-ping user-mode-linux busybox-static kmod dnsmasq-base firewalld dbus-daemon conntrack
  containernetworking-plugins jq podman runc containerd binutils gcc gcc-aarch64-linux-gnu openssl systemd etcd-server curl
  qemu-user-static debootstrap buildah umoci skopeo)

need_apt=0
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need_apt=1
done
if [ "$need_apt" = 1 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bootstrap: system packages missing (${APT_PACKAGES[*]}); run as root to install them" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  # firewalld is for the firewall plugin's tests, which start it on a private bus in a namespace
  # of their own: the packaged service must never start on the host (it would take its firewall).
  if [ -d /run/systemd/system ]; then systemctl mask firewalld.service >/dev/null 2>&1 || true; fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" >/dev/null
  # etcd-server is for the whereabouts tests, which start their own clusters on free ports: the
  # packaged service (127.0.0.1:2379) is not needed.
  if command -v systemctl >/dev/null && systemctl is-enabled etcd >/dev/null 2>&1; then systemctl disable --now etcd >/dev/null 2>&1 || true; fi
fi

# arm64 binaries (the arm64 release build and its test) run under qemu-user through binfmt_misc.
if [ "$(id -u)" = 0 ]; then bash tools/release/binfmt.sh || echo "bootstrap: could not register qemu-aarch64 (arm64 release builds and tests will fail)" >&2; fi

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  npm install -g --no-fund --no-audit "pnpm@$PNPM_VERSION" >/dev/null
fi

pnpm install --frozen-lockfile --reporter=append-only | tail -n 3
# Everything from here on runs on the workspace's Node 24 (node_modules/.bin/node), not the machine's.
echo "bootstrap: node $(pnpm exec node --version), pnpm $(pnpm --version)"

if [ "$#" -gt 0 ]; then
  exec pnpm "$@"
fi
