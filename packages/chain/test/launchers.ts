// Source launchers: a /bin/sh script per plugin that runs its TypeScript entry with the
// workspace's Node 24. They carry the `# cni-ts <plugin> plugin:` marker line, so the chain
// treats them as ours (in-process) unless told to exec.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const NODE = path.join(ROOT, 'node_modules/.bin/node');
export const TS_HOOKS = path.join(ROOT, 'packages/cni/test/ts-hooks.mjs');

/** The argv prefix that runs a TypeScript file from source. */
export const SOURCE_NODE = [NODE, '--conditions=source', '--disable-warning=ExperimentalWarning', '--experimental-transform-types', '--import', TS_HOOKS];

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** Writes `<dir>/<name>`, a launcher of `entry` (absolute path of a .ts main). */
export function writeLauncher(dir: string, name: string, entry: string): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n# cni-ts ${name} plugin: source launcher for tests\nexec ${SOURCE_NODE.map(q).join(' ')} ${q(entry)} "$@"\n`);
  chmodSync(file, 0o755);
  return file;
}

/** The chain CLI from source: argv to spawn. */
export function cliArgv(...args: string[]): [string, string[]] {
  return [NODE, [...SOURCE_NODE.slice(1), path.join(ROOT, 'packages/chain/src/cli.ts'), ...args]];
}
