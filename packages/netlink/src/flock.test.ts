import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FileLock, withFileLock } from './flock';

const dir = mkdtempSync(join(tmpdir(), 'cnits-flock-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** util-linux flock(1) uses flock(2) too, like Go's go-filemutex: a stand-in for another process. */
const othersCanLock = (path: string) => spawnSync('flock', ['-n', path, 'true']).status === 0;

describe('FileLock', () => {
  it('creates the lock file like go-filemutex and excludes other processes', () => {
    const path = join(dir, 'lock');
    const lock = new FileLock(path);
    expect(statSync(path).mode & 0o777).toBe(0o750 & ~process.umask());
    lock.lock();
    expect(othersCanLock(path)).toBe(false);
    lock.unlock();
    expect(othersCanLock(path)).toBe(true);
    lock.lock();
    lock.close();
    expect(othersCanLock(path)).toBe(true);
  });

  it('with create: false, a missing file is ENOENT and stays missing; an existing one is locked', () => {
    const path = join(dir, 'absent');
    expect(() => new FileLock(path, { create: false })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    expect(() => statSync(path)).toThrow();
    const existing = join(dir, 'lock');
    new FileLock(existing).close();
    const lock = new FileLock(existing, { create: false });
    lock.lock();
    expect(othersCanLock(existing)).toBe(false);
    lock.close();
  });

  it('tryLock reports a lock held elsewhere', () => {
    const path = join(dir, 'try');
    const a = new FileLock(path);
    const b = new FileLock(path);
    try {
      expect(a.tryLock()).toBe(true);
      expect(b.tryLock()).toBe(false);
      a.unlock();
      expect(b.tryLock()).toBe(true);
    } finally {
      a.close();
      b.close();
    }
  });

  it('withFileLock releases after sync and async callbacks', async () => {
    const path = join(dir, 'with');
    expect(withFileLock(path, () => othersCanLock(path))).toBe(false);
    expect(othersCanLock(path)).toBe(true);
    const p = withFileLock(path, async () => {
      await new Promise((r) => setTimeout(r, 10));
      return othersCanLock(path);
    });
    expect(await p).toBe(false);
    expect(othersCanLock(path)).toBe(true);
    expect(() => withFileLock(path, () => { throw new Error('x'); })).toThrow('x');
    expect(othersCanLock(path)).toBe(true);
  });

  it('is released by the kernel when the holder dies', async () => {
    const path = join(dir, 'dies');
    const child = spawn(process.execPath, [join(import.meta.dirname, '../test/helpers/hold-lock.mjs'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('locked') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    const lock = new FileLock(path);
    try {
      expect(lock.tryLock()).toBe(false);
      child.kill('SIGKILL');
      await new Promise((r) => child.on('exit', r));
      lock.lock(); // would block forever if the lock had survived
      expect(othersCanLock(path)).toBe(false);
    } finally {
      lock.close();
    }
  });
});
