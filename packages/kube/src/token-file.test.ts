import { mkdtempSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenFile } from './token-file';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-token-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('TokenFile', () => {
  it('reads the token trimmed and re-reads it when the file is rewritten', () => {
    const file = path.join(dir, 'plain');
    writeFileSync(file, 'first\n');
    const t = new TokenFile(file);
    expect(t.token()).toBe('first');
    writeFileSync(file, 'second-token');
    expect(t.token()).toBe('second-token');
  });

  it('follows a projected volume\'s symlink swap (kubelet rotation)', () => {
    const sa = path.join(dir, 'sa');
    writeFileSync(`${sa}.a`, 'old');
    writeFileSync(`${sa}.b`, 'new');
    symlinkSync(`${sa}.a`, `${sa}.link`);
    const t = new TokenFile(`${sa}.link`);
    expect(t.token()).toBe('old');
    symlinkSync(`${sa}.b`, `${sa}.tmp`);
    renameSync(`${sa}.tmp`, `${sa}.link`);
    expect(t.token()).toBe('new');
  });

  it('keeps the last token when the file disappears, throws when it never existed', () => {
    const file = path.join(dir, 'gone');
    writeFileSync(file, 'kept');
    const t = new TokenFile(file);
    expect(t.token()).toBe('kept');
    unlinkSync(file);
    expect(t.token()).toBe('kept');
    expect(() => new TokenFile(path.join(dir, 'never')).token()).toThrow(/ENOENT/);
  });
});
