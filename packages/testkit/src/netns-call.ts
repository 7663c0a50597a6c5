// Runs a plugin the way a runtime does (exec, CNI_* environment, config on stdin) with its own
// netns switched to a test's throwaway "host" namespace (`ip netns exec`). Ours run from their
// TypeScript sources with the workspace's Node 24 through the shared source loader (ts-hooks.mjs).
import { spawnSync } from 'node:child_process';
import type { TestNetns } from './env';
import { NODE } from './plugin-exec';
import { servedPlugin } from './served';
import { TS_HOOKS as HOOKS } from './source';

export interface NetnsImpl<N extends string = string> {
  name: N;
  argv: string[];
}

/** Our plugin from its TypeScript entry (`packages/<pkg>/src/main.ts` or a test entry). */
export function sourceImpl(entry: string): NetnsImpl<'ts'> {
  // Served mode (served.ts): a plugin's main runs as its installed launcher instead.
  const main = /packages\/([^/]+)\/src\/main\.ts$/.exec(entry);
  const served = main ? servedPlugin(main[1]!) : undefined;
  if (served) return { name: 'ts', argv: [served] };
  return { name: 'ts', argv: [NODE, '--conditions=source', '--disable-warning=ExperimentalWarning', '--import', HOOKS, entry] };
}

export interface NetnsCall {
  command: string;
  netns: string;
  containerId?: string;
  ifname?: string;
  args?: string;
  env?: Record<string, string>;
}

export interface NetnsOut {
  code: number | null;
  stdout: string;
  stderr: string;
  /** stdout parsed (undefined when empty or not JSON). */
  json: Record<string, unknown> | undefined;
}

/** Runs one CNI command inside `host`; `baseEnv` goes under the call's own env. */
export function callInNetns(impl: NetnsImpl, host: TestNetns, c: NetnsCall, stdin: unknown, baseEnv: Record<string, string> = {}): NetnsOut {
  const r = spawnSync('ip', ['netns', 'exec', host.name, ...impl.argv], {
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: c.command,
      CNI_CONTAINERID: c.containerId ?? 'ctr1',
      CNI_NETNS: c.netns,
      CNI_IFNAME: c.ifname ?? 'eth0',
      CNI_ARGS: c.args ?? '',
      CNI_PATH: '/usr/lib/cni',
      ...baseEnv,
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
