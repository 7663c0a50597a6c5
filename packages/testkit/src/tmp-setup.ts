import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { alive } from './netns';

// vitest globalSetup of every project: each run gets its own temp dir, handed to the test
// processes through TMPDIR (os.tmpdir() honours it), and removed at the end of the run. Test
// harnesses bundle plugins and write state under os.tmpdir(); vitest kills its workers without a
// normal exit, so their own cleanup cannot be relied on. Dirs of killed runs are reaped here.
const PREFIX = 'cnits-run-';
let dir: string | undefined;

export function setup(): void {
  const base = tmpdir();
  for (const name of readdirSync(base)) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length).split('-')[0]);
    if (pid > 0 && !alive(pid)) rmSync(join(base, name), { recursive: true, force: true });
  }
  dir = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  process.env.TMPDIR = dir;
}

export function teardown(): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}
