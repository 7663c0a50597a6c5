// Runs the `cni-ts` CLI the way an operator would: inside the throwaway "host" namespace
// (`ip netns exec`, so plugins create their host-side links there, never in the real host), with
// NETCONFPATH, CNI_PATH and a private cache directory. Our plugins come as source launchers
// (marked as ours, so they run in-process unless CNI_TS_EXEC=1); the Go oracle from /usr/lib/cni.
// Both the CLI and our plugins are bundled from source first (prepare()), for fast starts.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { addrs, bundlePlugin, links, routes, runProc, SOURCE_NODE, WORKSPACE as ROOT } from '@cni-ts/testkit';
import { bundleCli } from '../../../tools/build/lib/dev-bundle.mjs';
import { discoverPlugins } from '../../../tools/build/lib/plugins.mjs';

const NODE = SOURCE_NODE[0]!;

/** The chain CLI from source: argv to spawn. */
function cliArgv(...args: string[]): [string, string[]] {
  return [NODE, [...SOURCE_NODE.slice(1), path.join(ROOT, 'packages/chain/src/cli.ts'), ...args]];
}

export const GO_DIR = '/usr/lib/cni';

let ours: string | undefined;
let cliBundle: string | undefined;
const prepared: string[] = [];

/** Removes what prepare() built (afterAll). */
export function cleanupPrepared(): void {
  for (const dir of prepared.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * Builds what the e2e tests run: the CLI bundled from source (a fast start, never stale) and a
 * directory with a launcher per plugin of ours, each running that plugin bundled from source
 * (testkit's bundlePlugin: the run's shared bundles under `pnpm test`). The launchers carry the `# cni-ts <plugin> plugin:` marker, so
 * the chain runs them in-process unless CNI_TS_EXEC=1. Call once per file (beforeAll).
 */
export async function prepare(types?: readonly string[]): Promise<void> {
  const tmp = mkdtempSync(path.join(tmpdir(), 'cnits-chain-e2e-bin-'));
  prepared.push(tmp);
  cliBundle = await bundleCli(ROOT, path.join(tmp, 'cli'));
  ours = path.join(tmp, 'plugins');
  mkdirSync(ours);
  for (const p of discoverPlugins(ROOT).filter((q) => q.plugin && (!types || types.includes(q.name)))) {
    const type = p.name;
    const bundle = await bundlePlugin(path.basename(p.dir));
    const file = path.join(ours, type);
    writeFileSync(file, `#!/bin/sh\n# cni-ts ${type} plugin: bundled launcher for tests\nexec '${NODE}' '${bundle}' "$@"\n`);
    chmodSync(file, 0o755);
  }
}

/** The directory of our plugins' launchers (after prepare()). */
export function oursDir(): string {
  if (!ours) throw new Error('call prepare() first');
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
  const [node, argv] = cliBundle ? [NODE, [cliBundle, ...args]] : cliArgv(...args);
  const r = runProc(['ip', 'netns', 'exec', hostNs, node, ...argv], { env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', ...env }, timeoutMs: 120_000 });
  return { status: r.code, stdout: r.stdout, stderr: r.stderr };
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
