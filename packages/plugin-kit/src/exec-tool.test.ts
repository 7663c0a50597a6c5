import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lookPath } from './exec-tool';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-lookpath-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(path.join(dir, 'tool'), '#!/bin/sh\n');
chmodSync(path.join(dir, 'tool'), 0o755);
writeFileSync(path.join(dir, 'plain'), '');

describe('lookPath (Go >= 1.19 exec.LookPath)', () => {
  it('finds an executable regular file in an absolute PATH element', () => {
    expect(lookPath('tool', { PATH: `/nonexistent:${dir}` })).toBe(path.join(dir, 'tool'));
    expect(() => lookPath('plain', { PATH: dir })).toThrow('exec: "plain": executable file not found in $PATH');
    expect(lookPath('./x/y', { PATH: '' })).toBe('./x/y');
  });

  it('an empty or relative element never makes a file of the working directory run (ErrDot)', () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      expect(() => lookPath('tool', { PATH: `:/nonexistent` })).toThrow('exec: "tool": cannot run executable found relative to current directory');
      expect(() => lookPath('tool', { PATH: '/nonexistent::/usr/bin' })).toThrow('cannot run executable found relative to current directory');
      expect(() => lookPath('tool', { PATH: '.' })).toThrow('cannot run executable found relative to current directory');
      // An empty PATH has no elements (filepath.SplitList), not one empty one.
      expect(() => lookPath('tool', { PATH: '' })).toThrow('exec: "tool": executable file not found in $PATH');
      // Found in an absolute element first: that one runs.
      expect(lookPath('tool', { PATH: `${dir}:` })).toBe(path.join(dir, 'tool'));
    } finally {
      process.chdir(cwd);
    }
  });
});
