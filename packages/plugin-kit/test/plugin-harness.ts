// Runs a main plugin the way a runtime does, with the throwaway "host" namespace as the
// plugin's own netns (`ip netns exec <host> ...`): ours bundled from source (testkit's
// bundlePlugin), or the Go oracle from /usr/lib/cni. IPAM delegation finds
// host-local and static through CNI_PATH: for ours a directory of launchers of our own IPAM
// plugins, for the oracle /usr/lib/cni. Used by the macvlan, ipvlan and host-device tests.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { addrs, bundlePlugin, GO_DIR, links, NODE, routes, run, servedDir, servedPlugin } from '@cni-ts/testkit';

export { GO_DIR, NODE };

export interface Impl {
  name: 'go' | 'ts';
  /** argv of the plugin binary */
  argv: string[];
  /** CNI_PATH where its IPAM plugins are */
  cniPath: string;
}

let ipamDir: Promise<string> | undefined;

/** A directory with `host-local` and `static` launchers running our bundled IPAM plugins. */
export function oursIpamDir(): Promise<string> {
  const served = servedDir();
  if (served) return Promise.resolve(served);
  ipamDir ??= (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cnits-ipam-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    for (const pkg of ['host-local', 'static']) {
      const bundle = await bundlePlugin(pkg);
      const file = join(dir, pkg);
      writeFileSync(file, `#!/bin/sh\nexec "${NODE}" "${bundle}" "$@"\n`);
      chmodSync(file, 0o755);
    }
    return dir;
  })();
  return ipamDir;
}

export async function tsPlugin(pkg: string): Promise<Impl> {
  const served = servedPlugin(pkg);
  if (served) return { name: 'ts', argv: [served], cniPath: await oursIpamDir() };
  return { name: 'ts', argv: [NODE, await bundlePlugin(pkg)], cniPath: await oursIpamDir() };
}

export function goPlugin(type: string): Impl {
  return { name: 'go', argv: [join(GO_DIR, type)], cniPath: GO_DIR };
}

export interface Call {
  command: string;
  containerId?: string;
  /** CNI_NETNS (default: none) */
  netns?: string;
  ifname?: string;
  args?: string;
  /** overrides impl.cniPath */
  path?: string;
}

export interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
  /** parsed stdout (undefined when empty) */
  json: Record<string, unknown> | undefined;
}

/**
 * Runs one CNI command of `impl` with `hostNs` (a netns name) as its own namespace. `wrap` is
 * put between `ip netns exec <host>` and the plugin (e.g. `unshare -m sh -c <script> sh`).
 */
export function cni(impl: Impl, hostNs: string, call: Call, conf: unknown, wrap: string[] = []): Out {
  const argv = [...wrap, ...impl.argv];
  const r = spawnSync('ip', ['netns', 'exec', hostNs, ...argv], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: call.command,
      CNI_CONTAINERID: call.containerId ?? 'ctr1',
      CNI_NETNS: call.netns ?? '',
      CNI_IFNAME: call.ifname ?? 'eth0',
      CNI_ARGS: call.args ?? '',
      CNI_PATH: call.path ?? impl.cniPath,
    },
    input: typeof conf === 'string' ? conf : JSON.stringify(conf),
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.error) throw r.error;
  let json: Record<string, unknown> | undefined;
  try {
    json = r.stdout.trim() === '' ? undefined : (JSON.parse(r.stdout) as Record<string, unknown>);
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
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
