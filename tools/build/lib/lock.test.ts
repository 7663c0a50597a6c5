import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lockDir } from './lock.mjs';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('build lock', () => {
  it('is taken and released', () => {
    const release = lockDir(dir);
    expect(existsSync(join(dir, '.build-lock'))).toBe(true);
    release();
    expect(existsSync(join(dir, '.build-lock'))).toBe(false);
  });

  it('takes over a lock whose owner is gone', () => {
    mkdirSync(join(dir, '.build-lock'));
    writeFileSync(join(dir, '.build-lock', 'pid'), '999999999');
    const release = lockDir(dir, { timeoutMs: 1000 });
    release();
  });

  it('waits for a live owner, then gives up', () => {
    mkdirSync(join(dir, '.build-lock'));
    writeFileSync(join(dir, '.build-lock', 'pid'), String(process.pid));
    let waitedFor = 0;
    expect(() => lockDir(dir, { timeoutMs: 300, onWait: (pid: number) => (waitedFor = pid) })).toThrow(/held by pid/);
    expect(waitedFor).toBe(process.pid);
  });
});
