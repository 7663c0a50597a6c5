import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendRotating, backupName, listBackups, rotate, rotateOptions } from './rotate';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'rotate-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const MiB = 1024 * 1024;

describe('log rotation (lumberjack, as upstream Multus)', () => {
  it("upstream's defaults fill what logOptions leaves out", () => {
    expect(rotateOptions()).toEqual({ maxSize: 100, maxAge: 5, maxBackups: 5, compress: true });
    expect(rotateOptions({ maxSize: 1, compress: false })).toEqual({ maxSize: 1, maxAge: 5, maxBackups: 5, compress: false });
  });

  it('names a backup <name>-<UTC time>.<ext> and lists backups newest first', () => {
    const f = path.join(dir, 'multus.log');
    expect(backupName(f, new Date('2026-12-07T20:50:05.123Z'))).toBe(path.join(dir, 'multus-2026-12-07T20-50-05.123.log'));
    writeFileSync(path.join(dir, 'multus-2026-12-01T00-00-00.000.log.gz'), '');
    writeFileSync(path.join(dir, 'multus-2026-12-02T00-00-00.000.log'), '');
    writeFileSync(path.join(dir, 'multus-notatime.log'), '');
    writeFileSync(path.join(dir, 'other-2026-12-03T00-00-00.000.log'), '');
    expect(listBackups(f).map((b) => path.basename(b.name))).toEqual(['multus-2026-12-02T00-00-00.000.log', 'multus-2026-12-01T00-00-00.000.log.gz']);
  });

  it('a write past maxSize moves the log aside (compressed) and starts a new one; nothing is lost', () => {
    const f = path.join(dir, 'multus.log');
    const line = `${'x'.repeat(1023)}\n`;
    const opts = rotateOptions({ maxSize: 1 });
    for (let i = 0; i < 1500; i++) appendRotating(f, line, opts);
    const backups = listBackups(f);
    expect(backups).toHaveLength(1);
    expect(backups[0]!.gz).toBe(true);
    const old = gunzipSync(readFileSync(backups[0]!.name)).toString();
    expect(old.length).toBe(1024 * 1024);
    expect(readFileSync(f, 'utf8').length).toBe(1500 * 1024 - MiB);
  });

  it('keeps maxBackups, drops backups older than maxAge days, compress false keeps them plain', () => {
    const f = path.join(dir, 'multus.log');
    const now = new Date('2026-12-07T12:00:00.000Z');
    for (const d of ['2026-11-20', '2026-12-03', '2026-12-04', '2026-12-05', '2026-12-06']) writeFileSync(backupName(f, new Date(`${d}T00:00:00.000Z`)), d);
    writeFileSync(f, 'current');
    rotate(f, rotateOptions({ maxBackups: 3, maxAge: 5, compress: false }), now);
    expect(existsSync(f)).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(['multus-2026-12-05T00-00-00.000.log', 'multus-2026-12-06T00-00-00.000.log', 'multus-2026-12-07T12-00-00.000.log']);
    // maxAge alone (backups unlimited): only the 2026-11-20 one is too old.
    for (const d of ['2026-11-20', '2026-12-03']) writeFileSync(backupName(f, new Date(`${d}T00:00:00.000Z`)), d);
    writeFileSync(f, 'current');
    rotate(f, rotateOptions({ maxBackups: 0, maxAge: 5, compress: false }), new Date('2026-12-07T13:00:00.000Z'));
    expect(readdirSync(dir)).toHaveLength(5);
  });

  it('a backup and its compressed copy count once; a log that vanished is no error', () => {
    const f = path.join(dir, 'multus.log');
    const b = backupName(f, new Date('2026-12-06T00:00:00.000Z'));
    writeFileSync(b, 'plain');
    writeFileSync(`${b}.gz`, 'half');
    writeFileSync(f, 'current');
    rotate(f, rotateOptions({ maxBackups: 2 }), new Date('2026-12-07T00:00:00.000Z'));
    expect(readdirSync(dir).sort()).toEqual(['multus-2026-12-06T00-00-00.000.log.gz', 'multus-2026-12-07T00-00-00.000.log.gz']);
    expect(gunzipSync(readFileSync(`${b}.gz`)).toString()).toBe('plain');
    expect(() => rotate(f, rotateOptions())).not.toThrow();
  });
});

describe('Logger with logFile and logOptions', () => {
  it('rotates as configured', async () => {
    const { Logger } = await import('./logging');
    const f = path.join(dir, 'multus.log');
    const log = new Logger();
    log.configure({ logLevel: 'debug', logToStderr: false, logFile: f, logOptions: { maxSize: 1, compress: false } });
    expect(log.rotation).toEqual({ maxSize: 1, maxAge: 5, maxBackups: 5, compress: false });
    const msg = 'y'.repeat(64 * 1024);
    for (let i = 0; i < 20; i++) log.debug(msg);
    const backups = listBackups(f);
    expect(backups).toHaveLength(1);
    expect(backups[0]!.gz).toBe(false);
    expect(readFileSync(f, 'utf8').split('\n').filter(Boolean).length + readFileSync(backups[0]!.name, 'utf8').split('\n').filter(Boolean).length).toBe(20);
  });
});
