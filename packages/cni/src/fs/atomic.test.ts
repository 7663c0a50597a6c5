import { existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installFileAtomic, placeFileAtomic, tempPathFor, writeFileAtomic } from './atomic';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'cnits-atomic-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes the bytes with mode 0600, replacing the old file, and leaves no temporary file', () => {
    const d = tmp();
    const f = path.join(d, 'state');
    writeFileSync(f, 'old contents that are longer');
    writeFileAtomic(f, 'new');
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(statSync(f).mode & 0o777).toBe(0o600);
    writeFileAtomic(f, new Uint8Array([1, 2, 3]), { mode: 0o644 });
    expect([...readFileSync(f)]).toEqual([1, 2, 3]);
    expect(statSync(f).mode & 0o777).toBe(0o644);
    expect(readdirSync(d)).toEqual(['state']);
  });

  it('creates missing directories 0700 (or as told), or refuses with dirMode false', () => {
    const d = tmp();
    writeFileAtomic(path.join(d, 'a/b/f'), 'x');
    expect(statSync(path.join(d, 'a')).mode & 0o777).toBe(0o700);
    writeFileAtomic(path.join(d, 'c/f'), 'x', { dirMode: 0o755 });
    expect(statSync(path.join(d, 'c')).mode & 0o777).toBe(0o755);
    expect(() => writeFileAtomic(path.join(d, 'missing/f'), 'x', { dirMode: false })).toThrow(/ENOENT/);
    expect(existsSync(path.join(d, 'missing'))).toBe(false);
  });

  it('a failed rename leaves the destination and the directory as they were', () => {
    const d = tmp();
    mkdirSync(path.join(d, 'dest'));
    writeFileSync(path.join(d, 'dest/keep'), 'k');
    expect(() => writeFileAtomic(path.join(d, 'dest'), 'x')).toThrow();
    expect(readdirSync(d)).toEqual(['dest']);
    expect(readFileSync(path.join(d, 'dest/keep'), 'utf8')).toBe('k');
  });

  it('temporary names are dot files beside the destination, unique per call', () => {
    const a = tempPathFor('/x/y/results/net-c-eth0');
    expect(path.dirname(a)).toBe('/x/y/results');
    expect(path.basename(a)).toMatch(/^\.net-c-eth0\.\d+\.[a-z0-9]+\.tmp$/);
    expect(tempPathFor('/x/f')).not.toBe(tempPathFor('/x/f'));
  });
});

describe('installFileAtomic and placeFileAtomic', () => {
  it('copies a binary as 0755 and replaces a hard link without touching its other name', () => {
    const d = tmp();
    writeFileSync(path.join(d, 'src'), '#!/bin/sh\n');
    installFileAtomic(path.join(d, 'src'), path.join(d, 'bin/plugin'));
    expect(readFileSync(path.join(d, 'bin/plugin'), 'utf8')).toBe('#!/bin/sh\n');
    expect(statSync(path.join(d, 'bin/plugin')).mode & 0o777).toBe(0o755);
    placeFileAtomic(path.join(d, 'bin/other'), (t) => linkSync(path.join(d, 'bin/plugin'), t), { syncData: false });
    expect(statSync(path.join(d, 'bin/other')).ino).toBe(statSync(path.join(d, 'bin/plugin')).ino);
    expect(readdirSync(path.join(d, 'bin')).sort()).toEqual(['other', 'plugin']);
  });

  it('a failing make() removes its temporary file', () => {
    const d = tmp();
    expect(() =>
      placeFileAtomic(path.join(d, 'f'), (t) => {
        writeFileSync(t, 'partial');
        throw new Error('disk full');
      }),
    ).toThrow('disk full');
    expect(readdirSync(d)).toEqual([]);
  });
});
