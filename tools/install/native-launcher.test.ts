import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CODE, nativeLauncher } from './native-launcher.mjs';

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'cnits-native-launcher-'));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

const VERSION = '{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0","1.1.0"]}\n';
const run = (file: string, env: Record<string, string>, args: string[] = []) =>
  spawnSync(file, args, { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });

function place(dir: string, name: string, binary = join(dir, 'cni-ts-plugins'), version: string | undefined = VERSION) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, name), nativeLauncher({ name, binary, version }), { mode: 0o755 });
  return join(dir, name);
}
function fakeBinary(dir: string, tag: string) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'cni-ts-plugins'), `#!/bin/sh\necho "${tag} argv0=$0 args=$* cmd=$CNI_COMMAND"\n`);
  chmodSync(join(dir, 'cni-ts-plugins'), 0o755);
}

describe('native launcher', () => {
  it('is launcher.S as GNU as assembles it', () => {
    execFileSync('as', ['--64', '-o', join(work, 'l.o'), join(import.meta.dirname, 'launcher.S')]);
    execFileSync('objcopy', ['-O', 'binary', '-j', '.text', join(work, 'l.o'), join(work, 'l.bin')]);
    expect(readFileSync(join(work, 'l.bin')).equals(CODE)).toBe(true);
  });

  it('carries the marker of our launchers in its first 512 bytes', () => {
    const bytes = nativeLauncher({ name: 'route-override', binary: '/opt/cni/bin/cni-ts-plugins', version: VERSION });
    const head = bytes.subarray(0, 512).toString('latin1');
    expect(head.startsWith('\x7fELF')).toBe(true);
    expect(head).toMatch(/^# cni-ts route-override plugin:/m);
    expect(bytes.length).toBeLessThan(2048);
  });

  it('answers VERSION from its own bytes, whatever else is in the environment', () => {
    const f = place(join(work, 'bin'), 'macvlan');
    const r = run(f, { A: '1', CNI_COMMAND: 'VERSION', CNI_COMMANDX: 'y' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(VERSION);
    expect(r.stderr).toBe('');
  });

  it('does not take a look-alike variable for VERSION', () => {
    fakeBinary(join(work, 'bin'), 'sea');
    const f = place(join(work, 'bin'), 'macvlan');
    expect(run(f, { CNI_COMMAND: 'VERSIONS' }).stdout.trim()).toBe(`sea argv0=${join(work, 'bin/cni-ts-plugins')} args=macvlan cmd=VERSIONS`);
    expect(run(f, { XCNI_COMMAND: 'VERSION' }).stdout).toContain('args=macvlan');
  });

  it('execs the binary beside the file it was found through, also via a symlink', () => {
    fakeBinary(join(work, 'bin'), 'beside');
    const f = place(join(work, 'bin'), 'bridge', '/nonexistent/cni-ts-plugins');
    mkdirSync(join(work, 'links'));
    symlinkSync(f, join(work, 'links/bridge'));
    expect(run(join(work, 'links/bridge'), { CNI_COMMAND: 'ADD' }, ['x']).stdout.trim()).toBe(`beside argv0=${join(work, 'bin/cni-ts-plugins')} args=bridge x cmd=ADD`);
  });

  it('falls back to the install-time path, then prints a CNI error', () => {
    fakeBinary(join(work, 'installed'), 'installed');
    const f = place(join(work, 'moved'), 'tuning', join(work, 'installed/cni-ts-plugins'));
    expect(run(f, { CNI_COMMAND: 'CHECK' }).stdout).toContain('installed argv0=');
    rmSync(join(work, 'installed'), { recursive: true });
    const r = run(f, { CNI_COMMAND: 'CHECK' });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual({
      cniVersion: '1.0.0',
      code: 999,
      msg: `cni-ts tuning launcher: cannot execute cni-ts-plugins beside it or at ${join(work, 'installed/cni-ts-plugins')}`,
    });
  });
});
