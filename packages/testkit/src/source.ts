// Running workspace TypeScript entries as real processes, from source: the workspace's Node 24
// with its type stripping and ts-hooks.mjs (extension-less imports, the plugin catalog).
// Node builtins only (some benches load this file with plain Node).
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../../..');
export const TS_HOOKS = join(ROOT, 'packages/testkit/src/ts-hooks.mjs');
/** The argv prefix that runs a TypeScript file from source. */
export const SOURCE_NODE = [
  join(ROOT, 'node_modules/.bin/node'),
  '--conditions=source',
  '--disable-warning=ExperimentalWarning',
  '--experimental-transform-types',
  '--import',
  TS_HOOKS,
];

/** argv that runs a TypeScript entry from source: [command, args]. */
export function sourceCommand(entry: string): [string, string[]] {
  return [SOURCE_NODE[0]!, [...SOURCE_NODE.slice(1), entry]];
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Writes `<dir>/<name>`, a /bin/sh launcher of `entry` (a .ts main) from source. It carries our
 * launchers' marker line `# cni-ts <name> plugin:`, so the chain treats it as ours (in-process)
 * unless told to exec.
 */
export function writeLauncher(dir: string, name: string, entry: string): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n# cni-ts ${name} plugin: source launcher for tests\nexec ${SOURCE_NODE.map(q).join(' ')} ${q(entry)} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

export interface ProcResult {
  stdout: string;
  stderr: string;
  status: number;
}

/** Runs a plugin binary (argv) with exactly `env` (plus PATH) and `stdin`; `wrap` goes in front. */
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
