// The two plugin sets the suites run with: the Go oracle (/usr/lib/cni) and ours, installed the
// way an operator does (`pnpm cni install --dest DIR`, which builds first if anything changed).
// Each set is put behind the logging shim. A plugin we do not have yet is taken from the Go
// oracle, and the set says so (`fromGo`), so the suite runs whole today and switches to ours as
// each plugin lands.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { must } from './_exec.ts';
import { makeShim } from './shim.ts';

export type Impl = 'go' | 'ts';
export const IMPLS: readonly Impl[] = ['go', 'ts'];
export const GO_DIR = '/usr/lib/cni';
export const ROOT = resolve(import.meta.dirname, '../../..');

/** Every plugin the runtime scenarios can exec (podman VERSION-probes all of a conflist's). */
export const USED = ['loopback', 'bridge', 'host-local', 'static', 'macvlan', 'tuning', 'portmap', 'firewall'] as const;

export interface PluginSet {
  impl: Impl;
  /** The directory runtimes are pointed at (the shim). */
  dir: string;
  /** Where the shim logs every exec. */
  logDir: string;
  /** name -> the executable the shim runs. */
  real: Record<string, string>;
  /** Plugins of a `ts` set that are the Go oracle's because we do not have them yet. */
  fromGo: string[];
}

/** Programs the suite needs -> the Debian package that has them. */
const TOOLS: Record<string, string> = {
  podman: 'podman',
  conmon: 'conmon',
  runc: 'runc',
  containerd: 'containerd',
  ctr: 'containerd',
  busybox: 'busybox-static',
  iptables: 'iptables',
  nft: 'nftables',
  ping: 'iputils-ping',
  ip: 'iproute2',
  setpriv: 'util-linux',
  unshare: 'util-linux',
  nsenter: 'util-linux',
};

/** Throws one clear error naming every missing program and its package. */
export function requireTools(): void {
  const path = (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/bin', '/sbin', '/bin']);
  const missing = Object.keys(TOOLS).filter((t) => !path.some((d) => d && existsSync(join(d, t))));
  if (!existsSync(GO_DIR)) missing.push('containernetworking-plugins');
  if (missing.length) {
    const pkgs = [...new Set(missing.map((t) => TOOLS[t] ?? t))];
    throw new Error(`the runtimes suite needs ${missing.join(', ')}: apt-get install ${pkgs.join(' ')} (tools/bootstrap.sh does)`);
  }
}

/**
 * Installs our plugins into `dest` with the operator's command and returns the names installed.
 * Builds first when the sources changed (that can take ~30 s).
 */
export function installOurs(dest: string): string[] {
  // Served mode (testkit's served.ts): the launchers forward to the run's resident server.
  const socket = process.env.CNI_TS_SERVED_SOCKET;
  must(process.execPath, [join(ROOT, 'tools/cni.mjs'), 'install', '--dest', dest, ...(socket ? ['--socket', socket] : ['--socket', ''])], { cwd: ROOT, timeout: 600_000 });
  return readdirSync(dest).filter((n) => n !== 'cni-ts-plugins' && !n.startsWith('.'));
}

/** Builds the shim for one implementation under `work`. `ours` is the dir installOurs filled. */
export function pluginSet(impl: Impl, work: string, ours?: string): PluginSet {
  const real: Record<string, string> = {};
  const fromGo: string[] = [];
  for (const name of USED) {
    const mine = ours && join(ours, name);
    if (impl === 'ts' && mine && existsSync(mine)) {
      real[name] = mine;
    } else {
      if (!existsSync(join(GO_DIR, name))) throw new Error(`${join(GO_DIR, name)} is missing (apt-get install containernetworking-plugins)`);
      real[name] = join(GO_DIR, name);
      if (impl === 'ts') fromGo.push(name);
    }
  }
  const dir = join(work, `shim-${impl}`);
  const logDir = join(work, `log-${impl}`);
  makeShim(real, dir, logDir);
  return { impl, dir, logDir, real, fromGo };
}
