// Helpers for tests that run plugins as real processes, from their TypeScript sources.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const REPO = path.resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const NODE = path.join(REPO, 'node_modules/.bin/node');
export const TS_HOOKS = fileURLToPath(new URL('./ts-hooks.mjs', import.meta.url));

/** argv that runs a TypeScript entry from source with the workspace's Node 24. */
export function sourceCommand(entry: string): [string, string[]] {
  return [NODE, ['--conditions=source', '--disable-warning=ExperimentalWarning', '--import', TS_HOOKS, entry]];
}

export interface ProcResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Runs a plugin binary (argv) with exactly `env` (plus PATH) and `stdin`. */
export function runPlugin(argv: [string, string[]], env: Record<string, string>, stdin = '', wrap: string[] = []): ProcResult {
  const [cmd, args] = wrap.length ? [wrap[0]!, [...wrap.slice(1), argv[0], ...argv[1]]] : argv;
  const r = spawnSync(cmd, args, {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
    input: stdin,
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.error) throw r.error;
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}
