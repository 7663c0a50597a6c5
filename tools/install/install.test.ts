import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, closeSync, readSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { install } from './install.mjs';

// A fake build output: "cni-ts-plugins" is a shell script that prints how it was invoked.
let work: string;
let binDir: string;
const versions = { loopback: `{"cniVersion":"1.1.0","note":"it's"}\n`, static: '{"cniVersion":"1.1.0"}\n' };

function fakeBuild(tag: string) {
  writeFileSync(join(binDir, 'cni-ts-plugins'), `#!/bin/sh\necho "${tag} argv0=$0 args=$*"\n`);
  chmodSync(join(binDir, 'cni-ts-plugins'), 0o755);
  const plugins = Object.keys(versions).map((name) => ({ name, package: `@cni-ts/${name}` }));
  writeFileSync(join(binDir, 'manifest.json'), JSON.stringify({ binary: 'cni-ts-plugins', plugins, versions }));
}

const exec = (file: string, env: Record<string, string> = {}) =>
  spawnSync(file, [], { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8' });

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), 'cnits-install-'));
  binDir = join(work, 'out');
  mkdirSync(binDir);
  fakeBuild('v1');
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe('install', () => {
  it('installs the binary and a native launcher per plugin by default', () => {
    const dest = join(work, 'bin');
    expect(install({ binDir, dest })).toEqual({ dest, mode: 'native', installed: ['loopback', 'static'], socket: '' });
    expect(readdirSync(dest).toSorted()).toEqual(['cni-ts-plugins', 'loopback', 'static']);
    expect(readFileSync(join(dest, 'loopback')).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    expect(statSync(join(dest, 'loopback')).mode & 0o777).toBe(0o755);
    expect(exec(join(dest, 'loopback'), { CNI_COMMAND: 'ADD' }).stdout).toContain('v1');
  });

  it('installs the programs (the cni-ts CLI) beside the plugins: a launcher that always execs the binary', () => {
    const dest = join(work, 'bin');
    const manifest = JSON.parse(readFileSync(join(binDir, 'manifest.json'), 'utf8'));
    writeFileSync(join(binDir, 'manifest.json'), JSON.stringify({ ...manifest, programs: ['cni-ts'], commands: ['cni-ts'] }));
    expect(install({ binDir, dest }).installed).toEqual(['loopback', 'static', 'cni-ts']);
    expect(readdirSync(dest).toSorted()).toEqual(['cni-ts', 'cni-ts-plugins', 'loopback', 'static']);
    // No VERSION answer of its own: VERSION in the environment still runs the program.
    const r = spawnSync(join(dest, 'cni-ts'), ['add', 'net', '/run/netns/x'], { env: { PATH: '/usr/bin:/bin', CNI_COMMAND: 'VERSION' }, encoding: 'utf8' });
    expect(r.stdout).toContain('v1');
    expect(r.stdout).toContain('args=cni-ts add net /run/netns/x');
  });

  it('links every plugin to one binary in link mode and leaves no temporary files', () => {
    const dest = join(work, 'bin');
    expect(install({ binDir, dest, mode: 'link' })).toEqual({ dest, mode: 'link', installed: ['loopback', 'static'], socket: '' });
    const ino = statSync(join(dest, 'cni-ts-plugins')).ino;
    expect(statSync(join(dest, 'loopback')).ino).toBe(ino);
    expect(statSync(join(dest, 'static')).ino).toBe(ino);
    expect(readdirSync(dest).toSorted()).toEqual(['cni-ts-plugins', 'loopback', 'static']);
    expect(exec(join(dest, 'loopback')).stdout).toContain('v1');
  });

  it('installs only the plugins asked for and rejects unknown ones', () => {
    const dest = join(work, 'bin');
    install({ binDir, dest, plugins: ['static'] });
    expect(readdirSync(dest).toSorted()).toEqual(['cni-ts-plugins', 'static']);
    expect(() => install({ binDir, dest, plugins: ['bridge'] })).toThrow(/unknown plugin\(s\): bridge/);
  });

  it('copies in copy mode', () => {
    const dest = join(work, 'bin');
    install({ binDir, dest, mode: 'copy' });
    expect(readdirSync(dest).toSorted()).toEqual(['loopback', 'static']);
    expect(statSync(join(dest, 'loopback')).ino).not.toBe(statSync(join(dest, 'static')).ino);
    expect(statSync(join(dest, 'loopback')).mode & 0o777).toBe(0o755);
  });

  it('replaces by rename: a reader of the old file keeps reading the old contents', () => {
    const dest = join(work, 'bin');
    install({ binDir, dest, mode: 'link' });
    const before = statSync(join(dest, 'loopback')).ino;
    const fd = openSync(join(dest, 'loopback'), 'r'); // stands in for a running plugin
    fakeBuild('v2');
    install({ binDir, dest, mode: 'link' });
    const buf = Buffer.alloc(64);
    const n = readSync(fd, buf, 0, 64, 0);
    closeSync(fd);
    expect(buf.subarray(0, n).toString()).toContain('v1');
    expect(statSync(join(dest, 'loopback')).ino).not.toBe(before);
    expect(exec(join(dest, 'loopback')).stdout).toContain('v2');
    expect(readdirSync(dest).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it.each(['native', 'link', 'launcher'] as const)('is a no-op for files that are already up to date (%s)', (mode) => {
    const dest = join(work, 'bin');
    install({ binDir, dest, mode });
    const ino = statSync(join(dest, 'loopback')).ino;
    const bin = statSync(join(dest, 'cni-ts-plugins')).ino;
    install({ binDir, dest, mode });
    expect(statSync(join(dest, 'loopback')).ino).toBe(ino);
    expect(statSync(join(dest, 'cni-ts-plugins')).ino).toBe(bin);
  });

  describe.each(['native', 'launcher'] as const)('%s launchers', (mode) => {
    it('answers VERSION byte for byte without running the binary', () => {
      const dest = join(work, 'bin');
      install({ binDir, dest, mode });
      const r = exec(join(dest, 'loopback'), { CNI_COMMAND: 'VERSION' });
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(versions.loopback);
    });

    it('execs the binary beside it with the plugin named explicitly, arguments and environment kept', () => {
      const dest = join(work, 'bin');
      install({ binDir, dest, mode });
      const r = exec(join(dest, 'static'), { CNI_COMMAND: 'ADD' });
      expect(r.stdout.trim()).toBe(`v1 argv0=${join(dest, 'cni-ts-plugins')} args=static`);
      const withArgs = spawnSync(join(dest, 'static'), ['a b', 'c'], { env: { PATH: '/usr/bin:/bin', CNI_COMMAND: 'DEL' }, encoding: 'utf8' });
      expect(withArgs.stdout.trim()).toBe(`v1 argv0=${join(dest, 'cni-ts-plugins')} args=static a b c`);
    });

    it('leaves VERSION to the binary when the build captured no answer', () => {
      const dest = join(work, 'bin');
      const manifest = JSON.parse(readFileSync(join(binDir, 'manifest.json'), 'utf8'));
      delete manifest.versions.static;
      writeFileSync(join(binDir, 'manifest.json'), JSON.stringify(manifest));
      install({ binDir, dest, mode });
      expect(exec(join(dest, 'static'), { CNI_COMMAND: 'VERSION' }).stdout).toContain('args=static');
    });

    it('finds the binary by its install path when the launcher is moved', () => {
      const dest = join(work, 'bin');
      install({ binDir, dest, mode });
      const elsewhere = join(work, 'elsewhere');
      mkdirSync(elsewhere);
      writeFileSync(join(elsewhere, 'static'), readFileSync(join(dest, 'static')), { mode: 0o755 });
      expect(exec(join(elsewhere, 'static'), { CNI_COMMAND: 'DEL' }).stdout).toContain('args=static');
    });
  });
});
