// Runs a main plugin the way a runtime does, with the throwaway "host" namespace as the
// plugin's own netns (`ip netns exec <host> ...`): ours bundled from source (bundlePlugin), or
// the Go oracle from /usr/lib/cni. IPAM delegation finds our IPAM plugins through CNI_PATH: for
// ours a directory of launchers of every workspace IPAM plugin, for the oracle /usr/lib/cni.
// Used by the tests of the main plugins (macvlan, ipvlan, host-device, bridge, ...).
import { chmodSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { catalogFor, discoverPlugins } from '../../../tools/build/lib/plugins.mjs';
import { run } from './_exec';
import { bundlePlugin, GO_DIR, NODE } from './plugin-exec';
import { callEnv, type CniCall, type ProcOut, runProc } from './proc';
import { ROOT } from './source';
import { addrs, links, routes } from './state';
import { servedDir, servedPlugin } from './served';

export interface PluginImpl {
  name: 'go' | 'ts';
  /** argv of the plugin binary */
  argv: string[];
  /** CNI_PATH where its IPAM plugins are */
  cniPath: string;
}

const ipamDirs = new Map<boolean, Promise<string>>();

/**
 * A directory with a launcher of each of our IPAM plugins (host-local, static, ...), bundled.
 * `inProcess`: laid out as `pnpm cni install` lays out its directory, each launcher marked as
 * ours and `cni-ts-plugins` beside them, here a link to the Node that runs the bundles: a bundled
 * plugin delegating to one of them then runs it from its own catalog, in-process (packages/cni
 * README, "In-process delegation"), as the installed binary does. Otherwise the plugin execs them.
 */
export function oursIpamDir(inProcess = false): Promise<string> {
  const served = servedDir();
  if (served) return Promise.resolve(served);
  let dir = ipamDirs.get(inProcess);
  if (!dir) {
    dir = (async () => {
      const d = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
      process.on('exit', () => rmSync(d, { recursive: true, force: true }));
      if (inProcess) symlinkSync(NODE, join(d, 'cni-ts-plugins'));
      for (const p of catalogFor(discoverPlugins(ROOT)).filter((q) => q.kind === 'ipam')) {
        const pkg = p.dir.split('/').at(-1)!;
        const bundle = await bundlePlugin(pkg);
        const file = join(d, p.name);
        const marker = inProcess ? `# cni-ts ${p.name} plugin: bundled launcher for tests\n` : '';
        writeFileSync(file, `#!/bin/sh\n${marker}exec "${NODE}" "${bundle}" "$@"\n`);
        chmodSync(file, 0o755);
      }
      return d;
    })();
    ipamDirs.set(inProcess, dir);
  }
  return dir;
}

export interface TsPluginOptions {
  /**
   * How our plugin reaches our IPAM plugins: exec'd (default) or in-process, as the installed
   * binary does (oursIpamDir). The kernel suite runs them in-process: a Node start in a
   * user-mode-linux guest costs seconds.
   */
  ipam?: 'exec' | 'in-process';
}

export async function tsPlugin(pkg: string, opts: TsPluginOptions = {}): Promise<PluginImpl> {
  const cniPath = await oursIpamDir(opts.ipam === 'in-process');
  const served = servedPlugin(pkg);
  if (served) return { name: 'ts', argv: [served], cniPath };
  return { name: 'ts', argv: [NODE, await bundlePlugin(pkg)], cniPath };
}

export function goPlugin(type: string): PluginImpl {
  return { name: 'go', argv: [join(GO_DIR, type)], cniPath: GO_DIR };
}

/**
 * Runs one CNI command of `impl` with `hostNs` (a netns name) as its own namespace. `wrap` is
 * put between `ip netns exec <host>` and the plugin (e.g. `unshare -m sh -c <script> sh`).
 */
export function cni(impl: PluginImpl, hostNs: string, call: CniCall, conf: unknown, wrap: string[] = []): ProcOut {
  return runProc(['ip', 'netns', 'exec', hostNs, ...wrap, ...impl.argv], { env: callEnv(call, impl.cniPath), input: conf });
}

/** A fresh host-local data directory. */
export function dataDir(tag = 'hl'): string {
  return mkdtempSync(join(tmpdir(), `cnits-${tag}-`));
}

export interface LinkState {
  name: string;
  kind?: string;
  data?: Record<string, unknown>;
  mtu: number;
  up: boolean;
  txqlen?: number;
  addrs: string[];
  alias?: string;
}

/** The kernel state a plugin leaves in a namespace: links (MACs left out), addresses, routes, a few sysctls. */
export function nsState(ns: string, opts: { sysctlIfs?: string[]; macs?: boolean } = {}) {
  const ls: (LinkState & { mac?: string })[] = links(ns)
    .filter((l) => l.ifname !== 'lo')
    .map((l) => {
      const s: LinkState & { mac?: string } = {
        name: l.ifname,
        mtu: l.mtu,
        up: l.flags.includes('UP'),
        addrs: addrs(ns, l.ifname)
          .filter((a) => a.scope !== 'link')
          .map((a) => `${a.local}/${a.prefixlen}`)
          .toSorted(),
      };
      if (l.linkinfo?.info_kind) s.kind = l.linkinfo.info_kind;
      if (l.linkinfo?.info_data) s.data = l.linkinfo.info_data;
      if (l.txqlen !== undefined) s.txqlen = l.txqlen;
      if (l.ifalias) s.alias = l.ifalias;
      if (opts.macs) s.mac = l.address as string;
      return s;
    })
    .toSorted((a, b) => a.name.localeCompare(b.name));
  const strip = (r: Record<string, unknown>) => {
    const { flags: _f, ...rest } = r;
    return rest;
  };
  const sysctls: Record<string, string> = {};
  for (const ifname of opts.sysctlIfs ?? []) {
    for (const key of [`net/ipv4/conf/${ifname}/arp_notify`, `net/ipv6/conf/${ifname}/ndisc_notify`, `net/ipv6/conf/${ifname}/keep_addr_on_down`]) {
      const r = run('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/${key}`]);
      sysctls[key] = r.status === 0 ? r.stdout.trim() : 'absent';
    }
  }
  return {
    links: ls,
    routes4: routes(ns, 4).map(strip),
    routes6: routes(ns, 6)
      .filter((r) => !String(r.dst).startsWith('fe80'))
      .map(strip),
    sysctls,
  };
}

/** Files host-local keeps for a network (reservations and last-reserved markers). */
export function ipamFiles(dir: string, network: string): string[] {
  try {
    return readdirSync(join(dir, network)).filter((f) => f !== 'lock').toSorted();
  } catch {
    return [];
  }
}
