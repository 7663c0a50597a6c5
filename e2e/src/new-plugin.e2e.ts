// `pnpm new-plugin`: in a temporary copy of the workspace, a generated plugin builds into the
// binary, installs, answers VERSION and an ADD in a throwaway netns, and nothing but its package
// and the generated files (the README's plugin table, pnpm-lock.yaml) changed. The copy is
// removed afterwards. Built alone and untrained to keep this cheap (a full `pnpm build:bin`
// builds the same bundle, plus every other plugin).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkLeaks, testEnv, WORKSPACE } from '@cni-ts/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

const copy = mkdtempSync(join(tmpdir(), 'cnits-new-plugin-'));
const dest = join(copy, '.installed');
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function sh(cmd: string, args: string[], cwd = copy) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 600_000, env: { ...process.env, CI: '1' } });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The workspace's files as git sees them (tracked, and untracked but not ignored). */
function files(root: string): string[] {
  return sh('git', ['ls-files', '-co', '--exclude-standard', '-z'], root).split('\0').filter(Boolean);
}

const digest = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
let before: Map<string, string>;

beforeAll(() => {
  for (const f of files(WORKSPACE)) {
    mkdirSync(dirname(join(copy, f)), { recursive: true });
    cpSync(join(WORKSPACE, f), join(copy, f));
  }
  before = new Map([...files(WORKSPACE)].map((f) => [f, digest(join(copy, f))]));
  sh('pnpm', ['install', '--offline', '--frozen-lockfile']);
  sh('pnpm', ['new-plugin', 'demo-x']);
  sh(join(copy, 'node_modules/.bin/node'), ['tools/build/build.mjs', '--no-train', 'demo-x']);
  sh('pnpm', ['cni', 'install', '--no-build', '--dest', dest, 'demo-x']);
}, 900_000);

describe('pnpm new-plugin demo-x', () => {
  it('touches nothing but its package and the generated files', () => {
    const changed = [...before].filter(([f, h]) => digest(join(copy, f)) !== h).map(([f]) => f);
    expect(changed.toSorted()).toEqual(['README.md', 'pnpm-lock.yaml']);
    expect(readFileSync(join(copy, 'README.md'), 'utf8')).toContain('| `demo-x` | `packages/demo-x` | main |');
  });

  it('installs a plugin that answers VERSION and an ADD in a throwaway netns', () => {
    const plugin = join(dest, 'demo-x');
    const version = spawnSync(plugin, [], { env: { CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
    expect(version.status, version.stderr).toBe(0);
    expect(JSON.parse(version.stdout)).toMatchObject({ cniVersion: '1.1.0' });
    const env = testEnv();
    const add = spawnSync('ip', ['netns', 'exec', env.host.name, plugin], {
      env: { PATH: process.env.PATH, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: env.container.path, CNI_IFNAME: 'eth0', CNI_PATH: dest },
      input: JSON.stringify({ cniVersion: '1.0.0', name: 'demo', type: 'demo-x' }),
      encoding: 'utf8',
    });
    expect(add.status, add.stdout + add.stderr).toBe(0);
    expect(JSON.parse(add.stdout)).toMatchObject({ cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: env.container.path }] });
  });
});
