// Runs the `cni-ts` CLI the way an operator would: inside the throwaway "host" namespace
// (`ip netns exec`, so plugins create their host-side links there, never in the real host), with
// NETCONFPATH, CNI_PATH and a private cache directory. Our plugins come as source launchers
// (marked as ours, so they run in-process unless CNI_TS_EXEC=1); the Go oracle from /usr/lib/cni.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addrs, links, routes } from '@cni-ts/testkit';
import { OUR_PLUGINS } from '../src/exec/registry';
import { cliArgv, ROOT, writeLauncher } from './launchers';

export const GO_DIR = '/usr/lib/cni';

let ours: string | undefined;

/** A directory of source launchers, one per plugin of ours. */
export function oursDir(): string {
  if (!ours) {
    ours = mkdtempSync(path.join(tmpdir(), 'cnits-chain-ours-'));
    for (const [type, pkg] of Object.entries(OUR_PLUGINS)) {
      writeLauncher(ours, type, path.join(ROOT, 'packages', pkg.replace('@cni-ts/', ''), 'src/main.ts'));
    }
  }
  return ours;
}

export interface Impl {
  name: 'go' | 'ts-exec' | 'ts-inprocess';
  cniPath: string;
  env: Record<string, string>;
}

export const IMPLS = (): Impl[] => [
  { name: 'go', cniPath: GO_DIR, env: {} },
  { name: 'ts-exec', cniPath: oursDir(), env: { CNI_TS_EXEC: '1' } },
  { name: 'ts-inprocess', cniPath: oursDir(), env: {} },
];

export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `cni-ts <args>` inside the namespace `hostNs`. */
export function cniTs(hostNs: string, args: string[], env: Record<string, string>): CliRun {
  const [node, argv] = cliArgv(...args);
  const r = spawnSync('ip', ['netns', 'exec', hostNs, node, ...argv], {
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env },
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A NETCONFPATH holding `files` (name -> JSON value or text). */
export function netDir(files: Record<string, unknown>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-chain-netd-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return dir;
}

/** Links (MACs and host-side veth names left out), addresses and routes of a namespace. */
export function nsState(ns: string) {
  return {
    links: links(ns)
      .map((l) => ({
        name: /^veth[0-9a-f]{8}$/.test(l.ifname) ? 'veth*' : l.ifname,
        kind: l.linkinfo?.info_kind,
        mtu: l.mtu,
        up: l.flags.includes('UP'),
        addrs: addrs(ns, l.ifname)
          .filter((a) => a.scope !== 'link')
          .map((a) => `${a.local}/${a.prefixlen}`)
          .toSorted(),
      }))
      .toSorted((a, b) => a.name.localeCompare(b.name)),
    routes: routes(ns, 4).map(({ flags: _f, ...r }) => r),
  };
}

/** Random parts of a result or cache file replaced: MACs, veth names, netns paths, container ids. */
export function normalize(text: string, netns: string): string {
  return text
    .replaceAll(netns, '<netns>')
    .replace(/cnitool-[0-9a-f]{20}/g, '<cid>')
    .replace(/"mac": ?"[0-9a-f:]+"/g, '"mac":"<mac>"')
    .replace(/veth[0-9a-f]{8}/g, 'veth*');
}
