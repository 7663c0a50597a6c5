import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cacheDirs, ensurePrivateDir, extractTo, loadNative } from './native-asset.ts';

const euid = process.geteuid!();
const asset = { stem: 'thing-1.0', sha256: 'ab'.repeat(32), bytes: new Uint8Array([1, 2, 3, 4]) };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cnits-native-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('native asset extraction', () => {
  it('prefers /run, then beside the binary, for root and a per-user tmp directory otherwise', () => {
    expect(cacheDirs(0, '/tmp', '/opt/cni/bin')).toEqual(['/run/cni-ts', '/opt/cni/bin/.cni-ts', '/tmp/cni-ts-0']);
    expect(cacheDirs(1000, '/tmp', '/opt/cni/bin')).toEqual(['/tmp/cni-ts-1000']);
  });

  it('moves on to the next directory when loading fails there (noexec mounts)', () => {
    const tried: string[] = [];
    const noexec = join(dir, 'noexec');
    const loaded = loadNative(
      asset,
      euid,
      (file: string) => {
        tried.push(file);
        if (file.startsWith(noexec)) throw new Error('failed to map segment from shared object');
        return { file };
      },
      [noexec, join(dir, 'beside')],
    );
    expect(tried).toEqual([join(noexec, `thing-1.0-${'ab'.repeat(8)}.node`), join(dir, 'beside', `thing-1.0-${'ab'.repeat(8)}.node`)]);
    expect(loaded).toEqual({ file: tried[1] });
  });

  it('writes the file once, named by its hash, and reuses it', () => {
    const file = extractTo(dir, asset);
    expect(file).toBe(join(dir, `thing-1.0-${'ab'.repeat(8)}.node`));
    expect([...readFileSync(file)]).toEqual([1, 2, 3, 4]);
    const ino = statSync(file).ino;
    expect(extractTo(dir, asset)).toBe(file);
    expect(statSync(file).ino).toBe(ino);
    expect(readdirSync(dir)).toEqual([`thing-1.0-${'ab'.repeat(8)}.node`]);
  });

  it('replaces a copy that differs from the embedded bytes', () => {
    const file = join(dir, `thing-1.0-${'ab'.repeat(8)}.node`);
    writeFileSync(file, 'corrupt');
    expect(extractTo(dir, asset)).toBe(file);
    expect([...readFileSync(file)]).toEqual([1, 2, 3, 4]);
    expect(readdirSync(dir)).toHaveLength(1);
  });

  it('creates a private directory and refuses one others can write or a symlink', () => {
    const mine = join(dir, 'cache');
    ensurePrivateDir(mine, euid);
    expect(statSync(mine).mode & 0o777).toBe(0o700);
    ensurePrivateDir(mine, euid); // existing and fine

    const open = join(dir, 'open');
    mkdirSync(open);
    chmodSync(open, 0o777);
    expect(() => ensurePrivateDir(open, euid)).toThrow(/refusing/);

    const link = join(dir, 'link');
    symlinkSync(mine, link);
    expect(() => ensurePrivateDir(link, euid)).toThrow(/refusing/);

    expect(() => ensurePrivateDir(mine, euid + 1)).toThrow(/refusing/);
  });
});
