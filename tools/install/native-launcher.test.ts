import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { compileLauncher } from './compile-launcher.mjs';
import { CODE_ARM64, CODE_X64, nativeLauncher } from './native-launcher.mjs';

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
  it('is launcher.c as gcc compiles it (node tools/install/compile-launcher.mjs --write)', () => {
    expect(compileLauncher().toString('hex')).toBe(CODE_X64.toString('hex'));
  });

  it('is the same launcher.c for arm64 (aarch64-linux-gnu-gcc, tiny code model), an AArch64 ELF', () => {
    expect(compileLauncher({ arch: 'arm64' }).toString('hex')).toBe(CODE_ARM64.toString('hex'));
    const bytes = nativeLauncher({ name: 'loopback', binary: '/opt/cni/bin/cni-ts-plugins', version: VERSION, arch: 'arm64' });
    expect(bytes.readUInt16LE(18)).toBe(0xb7);
    expect(bytes.includes(CODE_ARM64)).toBe(true);
    // Running it (under qemu-user) is the release test's job: e2e/src/release.e2e.ts.
  });

  it('carries the marker of our launchers in its first 512 bytes', () => {
    const bytes = nativeLauncher({ name: 'route-override', binary: '/opt/cni/bin/cni-ts-plugins', version: VERSION });
    const head = bytes.subarray(0, 512).toString('latin1');
    expect(head.startsWith('\x7fELF')).toBe(true);
    expect(head).toMatch(/^# cni-ts route-override plugin:/m);
    expect(bytes.length).toBeLessThan(4096);
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

  describe('with a resident server socket', () => {
    /** A stand-in server: answers the hello with `hello`, then, after the body, with `reply`. */
    function standIn(socket: string, hello: string, reply: Buffer | null, seen: { body?: Buffer }): Promise<Server> {
      const srv = createServer((c) => {
        let buf = Buffer.alloc(0);
        let said = false;
        c.on('data', (d) => {
          buf = Buffer.concat([buf, d]);
          if (!said && buf.length >= 5) {
            said = true;
            c.write(hello);
            if (hello !== 'Y') c.end();
          }
          // the body ends with a zero-length stdin chunk
          if (said && hello === 'Y' && buf.length > 8 && buf.subarray(-4).readUInt32LE(0) === 0) {
            seen.body = buf;
            if (reply) c.end(reply);
            else c.destroy();
          }
        });
        c.on('error', () => {});
      });
      return new Promise((r) => srv.listen(socket, () => r(srv)));
    }
    const runAsync = (file: string, env: Record<string, string>, input: string) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
        const child = spawn(file, [], { env: { PATH: '/usr/bin:/bin', ...env } });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (status) => done({ status, stdout, stderr }));
        child.stdin.end(input);
      });
    function catBinary(dir: string) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'cni-ts-plugins'), '#!/bin/sh\necho "exec $*"; cat\n', { mode: 0o755 });
    }

    it('writes what the server answers and exits with its status', async () => {
      catBinary(join(work, 'bin'));
      const socket = join(work, 's.sock');
      const out = Buffer.from('{"cniVersion":"1.0.0"}');
      const err = Buffer.from('a log line\n');
      const head = Buffer.alloc(9);
      head.write('R');
      head.writeUInt32LE(3, 1);
      head.writeUInt32LE(err.length, 5);
      const len = Buffer.alloc(4);
      len.writeUInt32LE(out.length);
      const seen: { body?: Buffer } = {};
      const srv = await standIn(socket, 'Y', Buffer.concat([head, err, len, out]), seen);
      try {
        writeFileSync(join(work, 'bin/macvlan'), nativeLauncher({ name: 'macvlan', binary: '/x', version: VERSION, socket, buildId: 'b1' }), { mode: 0o755 });
        const r = await runAsync(join(work, 'bin/macvlan'), { CNI_COMMAND: 'ADD', MARK: 'm1' }, '{"name":"n"}');
        expect(r).toEqual({ status: 3, stdout: out.toString(), stderr: err.toString() });
        const body = seen.body!.toString('latin1');
        // protocol 2; fd mask 3: its mount and network namespaces went along (SCM_RIGHTS, which
        // this stand-in's reads drop), no CNI_NETNS in this environment
        expect(body.startsWith('CNTS\x02\x03\x02b1\x07macvlan')).toBe(true);
        expect(body).toContain('CNI_COMMAND=ADD\0');
        expect(body).toContain('MARK=m1\0');
        expect(body).toContain('{"name":"n"}');
      } finally {
        srv.close();
      }
    });

    it('execs the binary with the same stdin when the server hands the call back, goes away or refuses', async () => {
      catBinary(join(work, 'bin'));
      const socket = join(work, 's.sock');
      const launcher = join(work, 'bin/tuning');
      writeFileSync(launcher, nativeLauncher({ name: 'tuning', binary: '/x', socket, buildId: 'b1' }), { mode: 0o755 });
      for (const [hello, reply] of [['Y', Buffer.from('F')], ['Y', null], ['N', null]] as const) {
        const srv = await standIn(socket, hello, reply, {});
        try {
          const r = await runAsync(launcher, { CNI_COMMAND: 'DEL' }, 'the config');
          expect(r.stdout, `${hello} ${String(reply)}`).toBe('exec tuning\nthe config');
          expect(r.status).toBe(0);
        } finally {
          await new Promise((done) => srv.close(done));
        }
      }
      // no server at all
      expect((await runAsync(launcher, { CNI_COMMAND: 'CHECK' }, 'x')).stdout).toBe('exec tuning\nx');
    });
  });
});

