// The README's commands on a fresh clone (issue 25): every ```sh block of README.md runs, in
// order, with bash -euo pipefail in a `git clone` of this commit, and any failure fails the test.
// A block not run here carries, on the line before its fence, a marker naming why:
//   <!-- readme-test: not run here: <reason> -->
// and the reason must be one of NOT_HERE's (another machine, the suites CI runs, the release the
// release suite makes): the test fails on any other, so nothing is left out silently. Slow (the
// set-up command installs the workspace and builds the plugin binary): its own suite,
// `pnpm test readme`, not part of `pnpm test`'s default run.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOT_HERE, shellBlocks } from './readme-blocks.ts';

const ROOT = resolve(import.meta.dirname, '../..');
/** PATH without what pnpm/vitest put in front (node_modules/.bin: the workspace's Node 24). */
function personPath(): string {
  const dirs = (process.env.PATH ?? '').split(':').filter((d) => d && !d.includes('node_modules'));
  return (dirs.length ? dirs : ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']).join(':');
}

let clone: string;
const blocks = shellBlocks(readFileSync(join(ROOT, 'README.md'), 'utf8'));

beforeAll(() => {
  clone = mkdtempSync(join(tmpdir(), 'cnits-readme-'));
  const r = spawnSync('git', ['clone', '--quiet', ROOT, clone], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git clone: ${r.stderr}`);
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).stdout.trim();
  // The clone is of HEAD: uncommitted changes to the README or the tools are not what it tests.
  if (dirty) console.warn(`readme test: the work tree has uncommitted changes; the clone tests HEAD:\n${dirty}`);
});
afterAll(() => {
  if (clone) rmSync(clone, { recursive: true, force: true });
  // What the README's cni-ts example makes, should a block have failed half way.
  if (spawnSync('ip', ['netns', 'pids', 'cni-ts-readme']).status === 0) spawnSync('ip', ['netns', 'del', 'cni-ts-readme']);
  for (const d of ['/tmp/cni-ts-readme', '/tmp/cni-ts-bin']) rmSync(d, { recursive: true, force: true });
});

describe('README.md', () => {
  it('has command blocks, and every block not run here says why, with a reason allowed', () => {
    expect(blocks.filter((b) => !b.notHere).length).toBeGreaterThan(2);
    for (const b of blocks.filter((x) => x.notHere)) {
      expect(NOT_HERE.some((r) => b.notHere!.startsWith(r)), `README.md:${b.line}: ${b.notHere}`).toBe(true);
    }
  });

  // One test per block, in order: later blocks use what earlier ones built.
  for (const b of blocks) {
    if (b.notHere) continue;
    it(`README.md:${b.line} runs on a fresh clone: ${b.code.split('\n')[0]}`, () => {
      const r = spawnSync('bash', ['-euo', 'pipefail', '-c', b.code], {
        cwd: clone,
        encoding: 'utf8',
        timeout: 3_000_000,
        maxBuffer: 1 << 28,
        // The environment a person has: no vitest or test-run variables.
        env: { PATH: personPath(), HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8', TERM: 'dumb' },
      });
      const out = `${r.stdout}\n${r.stderr}`;
      if (r.status !== 0) console.error(out.slice(-6000));
      expect(r.status, `exit ${r.status} ${r.signal ?? ''}\n${out.slice(-3000)}`).toBe(0);
      // A warning on the way is a failure too: the issue's `Unsupported engine` was one.
      expect(out).not.toMatch(/Unsupported engine|command not found|Command ".*" not found/);
    });
  }
});
