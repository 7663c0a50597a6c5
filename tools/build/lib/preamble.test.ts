import { describe, expect, it } from 'vitest';
import { catalogSource } from './plugins.mjs';
import { preamble } from './preamble.mjs';

const VERSIONS = { loopback: '{"cniVersion":"1.1.0"}\n', 'host-local': '{"cniVersion":"1.0.0"}\n' };

/** Runs the preamble against a fake process; says whether it answered and what it wrote. */
function runPreamble(p: { argv0: string; execPath?: string; argv?: string[]; env?: Record<string, string>; failWrite?: boolean }) {
  const writes: string[] = [];
  const fakeGlobal: Record<symbol, unknown> = {};
  const fakeProcess = {
    argv0: p.argv0,
    execPath: p.execPath ?? '/opt/cni/bin/cni-ts-plugins',
    argv: p.argv ?? [],
    env: p.env ?? {},
    exitCode: 0,
    stdout: { write: (s: string) => writes.push(`stdout:${s}`) },
    stderr: { write: (s: string) => writes.push(`stderr:${s}`) },
  };
  const fakeRequire = () => ({
    writeSync(fd: number, s: string) {
      if (p.failWrite) throw new Error('EBADF');
      writes.push(`${fd}:${s}`);
    },
  });
  const info = { version: '1.2.3', commit: 'abc123', node: 'v24.21.0', arch: 'arm64' };
  const src = `${preamble(['host-local', 'loopback'], VERSIONS, { programs: ['cni-ts'], info })}\nreturn 'fell through';`;
  const result = new Function('process', 'require', 'globalThis', src)(fakeProcess, fakeRequire, fakeGlobal);
  if (p.argv && fakeProcess.argv !== p.argv) throw new Error('argv replaced');
  const out = { answered: result !== 'fell through', writes, invoked: fakeGlobal[Symbol.for('cni-ts.invoked')] };
  return fakeProcess.exitCode ? { ...out, exitCode: fakeProcess.exitCode } : out;
}

describe('preamble', () => {
  it("keeps the build id and plugin names for programs apart from the catalog a bundle installs after it", () => {
    const g: Record<symbol, unknown> = {};
    const fakeProcess = { argv0: 'cni-ts-plugins', execPath: '/x/cni-ts-plugins', argv: ['/x/cni-ts-plugins', '/x/cni-ts-plugins', 'serve'], env: {}, exitCode: 0 };
    const src = `${preamble(['host-local', 'loopback'], VERSIONS, { programs: ['serve'], buildId: 'b1' })}\n${catalogSource([])}`;
    new Function('process', 'require', 'globalThis', src)(fakeProcess, () => ({}), g);
    // The serve bundle's (empty) catalog once overwrote the names and `serve` died at start.
    expect(g[Symbol.for('cni-ts.plugin-names')]).toEqual(['host-local', 'loopback']);
    expect(g[Symbol.for('cni-ts.build')]).toBe('b1');
    expect(g[Symbol.for('cni-ts.plugins')]).toEqual({});
  });

  it('prints version, commit, Node and platform for --version', () => {
    const r = runPreamble({ argv0: 'cni-ts-plugins', argv: ['/x/cni-ts-plugins', '/x/cni-ts-plugins', '--version'] });
    expect(r.writes).toEqual(['stdout:cni-ts-plugins v1.2.3\ncommit: abc123\nnode: v24.21.0\nplatform: linux/arm64\n']);
    expect(r.answered).toBe(true);
  });

  it('hands a program its own argv: the name is dropped in the explicit form only', () => {
    const argv = ['/x/cni-ts-plugins', '/x/cni-ts-plugins', 'cni-ts', 'add', 'net'];
    expect(runPreamble({ argv0: '/x/cni-ts-plugins', argv, env: { CNI_COMMAND: 'VERSION' } }).invoked).toBe('cni-ts');
    expect(argv).toEqual(['/x/cni-ts-plugins', '/x/cni-ts-plugins', 'add', 'net']);
    const linked = ['/x/cni-ts', '/x/cni-ts', 'cni-ts', 'x'];
    expect(runPreamble({ argv0: '/x/cni-ts', argv: linked }).invoked).toBe('cni-ts');
    expect(linked).toEqual(['/x/cni-ts', '/x/cni-ts', 'cni-ts', 'x']);
    // A plugin's argv stays as it came (dhcp reads `cni-ts-plugins dhcp daemon` itself).
    const plugin = ['/x/cni-ts-plugins', '/x/cni-ts-plugins', 'loopback'];
    runPreamble({ argv0: '/x/cni-ts-plugins', argv: plugin });
    expect(plugin).toHaveLength(3);
  });

  it('answers VERSION for the plugin named by basename(argv0)', () => {
    const r = runPreamble({ argv0: '/opt/cni/bin/loopback', env: { CNI_COMMAND: 'VERSION' } });
    expect(r).toEqual({ answered: true, writes: [`1:${VERSIONS.loopback}`], invoked: 'loopback' });
  });

  it('falls back to basename(execPath), then argv[2] (the explicit form)', () => {
    expect(runPreamble({ argv0: 'weird', execPath: '/x/host-local' }).invoked).toBe('host-local');
    const explicit = runPreamble({ argv0: 'cni-ts-plugins', argv: ['/x/cni-ts-plugins', 'cni-ts-plugins', 'host-local'], env: { CNI_COMMAND: 'VERSION' } });
    expect(explicit).toEqual({ answered: true, writes: [`1:${VERSIONS['host-local']}`], invoked: 'host-local' });
  });

  it('leaves every other command to the bundle', () => {
    expect(runPreamble({ argv0: 'loopback', env: { CNI_COMMAND: 'ADD' } })).toEqual({ answered: false, writes: [], invoked: 'loopback' });
    expect(runPreamble({ argv0: 'loopback', env: { CNI_COMMAND: 'version' } }).answered).toBe(false);
  });

  it('answers for a name it does not provide: a CNI error for a runtime, usage for a person', () => {
    const asPlugin = runPreamble({ argv0: '/opt/cni/bin/bridge', env: { CNI_COMMAND: 'VERSION' } });
    expect(asPlugin).toMatchObject({ answered: true, invoked: null, exitCode: 1 });
    expect(JSON.parse(asPlugin.writes[0]!.replace(/^stdout:/, ''))).toEqual({
      cniVersion: '1.1.0',
      code: 999,
      msg: 'unknown plugin "bridge": this binary provides host-local, loopback',
    });
    const asTool = runPreamble({ argv0: 'cni-ts-plugins', argv: ['x', 'cni-ts-plugins', 'bridge'] });
    expect(asTool).toMatchObject({ answered: true, exitCode: 1 });
    expect(asTool.writes[0]).toMatch(/^stderr:usage: cni-ts-plugins <plugin>.*\nunknown plugin "bridge"; plugins: host-local, loopback\n$/s);
    const list = runPreamble({ argv0: 'cni-ts-plugins', argv: ['x', 'cni-ts-plugins', '--list'] });
    expect(list).toEqual({ answered: true, writes: ['stdout:host-local\nloopback\n'], invoked: null });
  });

  it('lets the skeleton answer when stdout cannot be written', () => {
    expect(runPreamble({ argv0: 'loopback', env: { CNI_COMMAND: 'VERSION' }, failWrite: true }).answered).toBe(false);
  });

  it('only replays answers for plugins in the bundle', () => {
    const src = preamble(['loopback'], { loopback: 'a', other: 'b' });
    expect(src).toContain('{"loopback":"a"}');
    expect(src).not.toContain('other');
  });
});

describe('preamble switches', () => {
  it('lets the skeleton answer when CNI_TS_NO_EARLY_VERSION is set', () => {
    const r = runPreamble({ argv0: 'loopback', env: { CNI_COMMAND: 'VERSION', CNI_TS_NO_EARLY_VERSION: '1' } });
    expect(r).toEqual({ answered: false, writes: [], invoked: 'loopback' });
  });
});
