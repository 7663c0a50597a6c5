// Builds the single-executable binary from the builder's stand-in plugin (no real plugin needed)
// and checks what the binary does. Slow (a 120 MB binary is written), so one build serves all.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build, nodeBinary } from './build.mjs';

let out: string;
let manifest: any;
const bin = (name: string) => join(out, 'bin', name);
const exec = (file: string, args: string[], env: Record<string, string>) =>
  spawnSync(file, args, { env: { PATH: '/usr/bin:/bin', ...env }, encoding: 'utf8', timeout: 30_000 });

beforeAll(async () => {
  out = mkdtempSync(join(tmpdir(), 'cnits-build-'));
  manifest = await build({ out, fixtures: true, log: () => {} });
}, 180_000);
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('the multi-call binary', () => {
  it('is one binary plus a hard link per plugin, described by a manifest', () => {
    expect(manifest.plugins.map((p: { name: string }) => p.name)).toEqual(['stand-in']);
    expect(statSync(bin('stand-in')).ino).toBe(statSync(bin('cni-ts-plugins')).ino);
    expect(JSON.parse(readFileSync(bin('manifest.json'), 'utf8')).sha256).toBe(manifest.sha256);
    expect(manifest.codeCache).toEqual({ 'stand-in': 'accepted', 'stand-in.extra': 'accepted' });
  });

  it('keeps an on-demand part out of the plugin bundle and loads it from its own asset on import()', () => {
    const work = join(out, 'build');
    expect(readFileSync(join(work, 'bundle/stand-in.js'), 'utf8')).not.toContain('on-demand part of the stand-in');
    expect(readFileSync(join(work, 'bundle/stand-in.extra.js'), 'utf8')).toContain('on-demand part of the stand-in');
    expect(JSON.parse(readFileSync(join(work, 'sea.json'), 'utf8')).assets).toHaveProperty(['cache/stand-in.extra']);
    const trace = join(out, 'trace-part');
    // a command that does not import the part never evaluates it
    exec(bin('stand-in'), [], { CNI_COMMAND: 'ADD', CNI_TS_FIXTURE_TRACE: trace });
    expect(readFileSync(trace, 'utf8')).toBe('evaluated\n');
    const r = exec(bin('stand-in'), [], { CNI_COMMAND: 'ADD', CNI_TS_FIXTURE_PART: '1', CNI_TS_FIXTURE_TRACE: trace, CNI_TS_CODE_CACHE_CHECK: '1' });
    expect(r.stderr).toBe('code cache accepted\ncode cache stand-in.extra accepted\n');
    expect(JSON.parse(r.stdout)).toEqual({ command: 'ADD', mark: 'cni-ts on-demand part of the stand-in', answer: 42 });
    expect(readFileSync(trace, 'utf8')).toBe('evaluated\nevaluated\npart evaluated\n');
  });

  it('loads an on-demand part from the build directory when the bundle runs under plain node', () => {
    const r = spawnSync(nodeBinary(), [join(import.meta.dirname, 'lib/train.cjs'), join(out, 'build/bundle/stand-in.js'), '-', '-', 'stand-in'], {
      env: { PATH: '/usr/bin:/bin', CNI_COMMAND: 'ADD', CNI_TS_FIXTURE_PART: '1' },
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toMatchObject({ mark: 'cni-ts on-demand part of the stand-in', answer: 42 });
  });

  it('answers VERSION from the preamble, byte-identical to the skeleton, without evaluating the bundle', () => {
    const trace = join(out, 'trace');
    const r = exec(bin('stand-in'), [], { CNI_COMMAND: 'VERSION', CNI_TS_FIXTURE_TRACE: trace });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(manifest.versions['stand-in']);
    expect(r.stdout).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0","1.1.0"]}\n');
    expect(existsSync(trace)).toBe(false);
    // any other command does evaluate it
    exec(bin('stand-in'), [], { CNI_COMMAND: 'ADD', CNI_TS_FIXTURE_TRACE: trace });
    expect(readFileSync(trace, 'utf8')).toBe('evaluated\n');
  });

  it('loads koffi from the embedded native module', () => {
    const r = exec(bin('stand-in'), [], { CNI_COMMAND: 'ADD' });
    expect(r.stderr).toBe('');
    const body = JSON.parse(r.stdout);
    expect(body).toMatchObject({ command: 'ADD', koffi: '3.3.4' });
    expect(body.pid).toBe(body.self);
  });

  it('accepts the explicit form `cni-ts-plugins <plugin>`', () => {
    const r = exec(bin('cni-ts-plugins'), ['stand-in'], { CNI_COMMAND: 'VERSION' });
    expect(r.stdout).toBe(manifest.versions['stand-in']);
  });

  it('ignores NODE_OPTIONS (execArgvExtension none)', () => {
    const r = exec(bin('stand-in'), [], { CNI_COMMAND: 'ADD', NODE_OPTIONS: '--no-such-flag --require /nonexistent.js' });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).command).toBe('ADD');
  });

  it('reports an unknown plugin name as a CNI error when run as a plugin, usage otherwise', () => {
    const asPlugin = exec(bin('cni-ts-plugins'), [], { CNI_COMMAND: 'ADD' });
    expect(asPlugin.status).toBe(1);
    expect(JSON.parse(asPlugin.stdout)).toMatchObject({ code: 999, msg: expect.stringContaining('stand-in') });
    const asTool = exec(bin('cni-ts-plugins'), ['nope'], {});
    expect(asTool.status).toBe(1);
    expect(asTool.stderr).toContain('unknown plugin "nope"');
    expect(exec(bin('cni-ts-plugins'), ['--list'], {}).stdout).toBe('stand-in\n');
  });

  it('skips the build when nothing changed', async () => {
    const again = await build({ out, fixtures: true, ifNeeded: true, log: () => {} });
    expect(again.builtAt).toBe(manifest.builtAt);
  });
});
