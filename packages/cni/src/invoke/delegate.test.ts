import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { cniArgs } from '../args';
import { CniError } from '../errors';
import type { CniRequest, Plugin } from '../plugin';
import { ipamAdd } from '../ipam';
import { delegateAdd, delegateDel, delegateEnv } from './delegate';
import { pluginError } from './errors';
import { rawExecPlugin } from './exec';
import { findInPath } from './find';
import { registerPlugin, setOwnBinaryCheck, unregisterPlugin } from './registry';
import { parsePluginResult } from './result';
import { decodePluginInfo, getVersionInfo } from './version-info';

const dir = mkdtempSync(path.join(tmpdir(), 'cni-delegate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => setOwnBinaryCheck(undefined));

function script(name: string, body: string, sub = 'bin'): string {
  mkdirSync(path.join(dir, sub), { recursive: true });
  const p = path.join(dir, sub, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

const enc = (s: string) => new TextEncoder().encode(s);
const CONF = '{"cniVersion":"1.0.0","name":"net","type":"bridge","ipam":{"type":"fake-ipam"}}';

function req(over: Partial<CniRequest> = {}): CniRequest & { logs: string[] } {
  const logs: string[] = [];
  return {
    command: 'ADD',
    containerId: 'c1',
    netns: '/var/run/netns/x',
    ifname: 'eth0',
    args: cniArgs('IgnoreUnknown=1;K8S_POD_NAME=p'),
    path: [path.join(dir, 'empty'), path.join(dir, 'bin')],
    pathEnv: `${path.join(dir, 'empty')}:${path.join(dir, 'bin')}`,
    netnsOverride: '',
    stdin: enc(CONF),
    config: JSON.parse(CONF),
    cniVersion: '1.0.0',
    env: { PATH: process.env.PATH, KEEP_ME: 'yes', CNI_COMMAND: 'ADD' },
    log: (m) => void logs.push(m),
    logs,
    ...over,
  };
}

describe('findInPath', () => {
  it('finds the first regular file, following symlinks', () => {
    const target = script('real', 'exit 0', 'a');
    mkdirSync(path.join(dir, 'b', 'dirplugin'), { recursive: true });
    symlinkSync(target, path.join(dir, 'a', 'linked'));
    expect(findInPath('real', [path.join(dir, 'nope'), path.join(dir, 'a')])).toBe(target);
    expect(findInPath('linked', [path.join(dir, 'a')])).toBe(path.join(dir, 'a', 'linked'));
    expect(() => findInPath('dirplugin', [path.join(dir, 'b')])).toThrow(`failed to find plugin "dirplugin" in path [${path.join(dir, 'b')}]`);
  });

  it('fails with Go texts', () => {
    expect(() => findInPath('', ['/x'])).toThrow('no plugin name provided');
    expect(() => findInPath('a/b', ['/x'])).toThrow('invalid plugin name: a/b');
    expect(() => findInPath('x', [])).toThrow('no paths provided');
    expect(() => findInPath('x', ['/opt/cni/bin', '/usr/lib/cni'])).toThrow('failed to find plugin "x" in path [/opt/cni/bin /usr/lib/cni]');
  });
});

describe('rawExecPlugin and pluginError', () => {
  it('returns stdout and hands stderr on', async () => {
    const p = script('ok', 'cat; echo note >&2');
    const notes: string[] = [];
    expect(Buffer.from(await rawExecPlugin(p, enc('{"x":1}'), {}, (t) => notes.push(t))).toString()).toBe('{"x":1}');
    expect(notes).toEqual(['note\n']);
  });

  it.each([
    ['echo \'{"code":7,"msg":"bad","details":"more"}\'; exit 1', { code: 7, msg: 'bad', details: 'more' }],
    ['echo \'{"cniVersion":"1.0.0"}\'; exit 1', { code: 0, msg: '' }],
    ['echo garbage; exit 1', { code: 0, msg: 'netplugin failed but error parsing its diagnostic message "garbage\\n": invalid character \'g\' looking for beginning of value' }],
    ['echo oops >&2; exit 3', { code: 0, msg: 'netplugin failed: "oops\\n": exit status 3' }],
    ['exit 2', { code: 0, msg: 'netplugin failed with no error message: exit status 2' }],
    ['kill -9 $$', { code: 0, msg: 'netplugin failed with no error message: signal: killed' }],
    ['echo \'{"code":"x","msg":"m"}\'; exit 1', { code: 0, msg: expect.stringContaining('json: cannot unmarshal string into Go struct field Error.code of type uint') }],
  ])('%s', async (body, want) => {
    const p = script('fail', body);
    let err: unknown;
    try {
      await rawExecPlugin(p, enc(''), {});
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CniError);
    expect((err as CniError).toJSON()).toEqual(want);
  });

  it('reports exec failures as Go does', async () => {
    const p = path.join(dir, 'bin', 'noexec');
    writeFileSync(p, '#!/bin/sh\n');
    chmodSync(p, 0o644);
    await expect(rawExecPlugin(p, enc(''), {})).rejects.toThrow(`netplugin failed with no error message: fork/exec ${p}: permission denied`);
    await expect(rawExecPlugin(path.join(dir, 'bin', 'missing'), enc(''), {})).rejects.toThrow(`netplugin failed with no error message: fork/exec ${path.join(dir, 'bin', 'missing')}: no such file or directory`);
  });

  it('a plugin that does not read its stdin is not a failure', async () => {
    const p = script('noread', 'echo done');
    expect(Buffer.from(await rawExecPlugin(p, new Uint8Array(1 << 20), {})).toString()).toBe('done\n');
  });

  it('runs asynchronously: a deadline kills the plugin and what it started, the event loop keeps turning', async () => {
    const mark = path.join(dir, 'child-alive');
    const p = script('slow', `(sleep 2; touch '${mark}') & sleep 5`);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 20);
    const started = Date.now();
    await expect(rawExecPlugin(p, enc(''), {}, undefined, { timeoutMs: 300 })).rejects.toThrow('netplugin failed with no error message: signal: killed (timed out after 0.3s)');
    clearInterval(timer);
    expect(Date.now() - started).toBeLessThan(2000);
    expect(ticks).toBeGreaterThan(5);
    await new Promise((r) => setTimeout(r, 2200));
    // The whole process group went: the backgrounded child never got to run its command.
    expect(existsSync(mark)).toBe(false);
  });

  it('an abort kills the plugin; an aborted signal runs nothing', async () => {
    const p = script('wait', 'sleep 5');
    const ac = new AbortController();
    setTimeout(() => ac.abort('the client went away'), 100);
    await expect(rawExecPlugin(p, enc(''), {}, undefined, { signal: ac.signal })).rejects.toThrow('signal: killed (cancelled: the client went away)');
    const mark = path.join(dir, 'never');
    const q = script('never', `touch '${mark}'`);
    await expect(rawExecPlugin(q, enc(''), {}, undefined, { signal: ac.signal })).rejects.toThrow('cancelled');
    expect(existsSync(mark)).toBe(false);
  });

  it('formats errors from parts', () => {
    expect(pluginError('exit status 1', enc('{"Code":5,"MSG":"x"}'), enc('')).toJSON()).toEqual({ code: 5, msg: 'x' });
  });
});

describe('parsePluginResult', () => {
  it('takes the config version when the result has none (issue #895)', () => {
    expect(parsePluginResult(enc(CONF), enc('{"ips":[{"address":"10.0.0.2/24"}]}'))).toEqual({
      cniVersion: '1.0.0',
      ips: [{ address: '10.0.0.2/24' }],
    });
    expect(parsePluginResult(enc(CONF), enc('null'))).toEqual({ cniVersion: '1.0.0' });
    expect(parsePluginResult(enc(CONF), enc('{"cniVersion":5}')).cniVersion).toBe('1.0.0');
  });

  it('keeps the result own version, unconverted', () => {
    expect(parsePluginResult(enc(CONF), enc('{"cniVersion":"0.3.1","ips":[{"version":"4","address":"10.0.0.2/24"}]}')).cniVersion).toBe('0.3.1');
  });

  it('fails with Go texts', () => {
    expect(() => parsePluginResult(enc(CONF), enc(''))).toThrow('failed to unmarshal raw result: unexpected end of JSON input');
    expect(() => parsePluginResult(enc(CONF), enc('[]'))).toThrow('failed to unmarshal raw result: json: cannot unmarshal array');
    expect(() => parsePluginResult(enc(CONF), enc('{"cniVersion":"7.0.0"}'))).toThrow('unsupported CNI result version "7.0.0"');
  });
});

describe('delegateAdd / delegateDel (exec)', () => {
  it('runs the delegate with the caller env, CNI_COMMAND replaced and the same stdin', async () => {
    script(
      'fake-ipam',
      'env | grep -E "^(CNI_|KEEP_ME)" | sort > "$0.env"; cat > "$0.stdin"; echo \'{"cniVersion":"1.0.0","ips":[{"address":"10.9.0.2/24","gateway":"10.9.0.1"}]}\'',
    );
    const r = req();
    const result = await delegateAdd('fake-ipam', r);
    expect(result).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.9.0.2/24', gateway: '10.9.0.1' }] });
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(path.join(dir, 'bin', 'fake-ipam.stdin'), 'utf8')).toBe(CONF);
    expect(readFileSync(path.join(dir, 'bin', 'fake-ipam.env'), 'utf8').trim().split('\n')).toEqual([
      'CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=p',
      'CNI_COMMAND=ADD',
      'CNI_CONTAINERID=c1',
      'CNI_IFNAME=eth0',
      'CNI_NETNS=/var/run/netns/x',
      `CNI_PATH=${r.pathEnv}`,
      'KEEP_ME=yes',
    ]);
    await delegateDel('fake-ipam', req({ command: 'DEL' }));
    expect(readFileSync(path.join(dir, 'bin', 'fake-ipam.env'), 'utf8')).toContain('CNI_COMMAND=DEL');
  });

  it('passes the delegate typed error through and plain lookup errors', async () => {
    script('failing-ipam', 'echo \'{"code":11,"msg":"try again"}\'; exit 1');
    await expect(delegateAdd('failing-ipam', req())).rejects.toMatchObject({ code: 11, msg: 'try again' });
    await expect(delegateAdd('missing', req())).rejects.toThrow(/^failed to find plugin "missing" in path \[/);
    await expect(delegateAdd('', req())).rejects.toThrow('no plugin name provided');
  });

  it('converts to the current shape for IPAM', async () => {
    script('v4-ipam', 'echo \'{"cniVersion":"0.4.0","ips":[{"version":"4","address":"10.9.0.2/24"}],"dns":{}}\'');
    expect(await ipamAdd('v4-ipam', req())).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.9.0.2/24' }], dns: {} });
  });

  it('sets CNI_NETNS_OVERRIDE only when the caller had it', () => {
    expect(delegateEnv(req(), 'DEL').CNI_NETNS_OVERRIDE).toBeUndefined();
    expect(delegateEnv(req({ netnsOverride: '1' }), 'DEL').CNI_NETNS_OVERRIDE).toBe('1');
  });
});

describe('in-process delegation', () => {
  const calls: CniRequest[] = [];
  const inproc: Plugin = {
    type: 'inproc-ipam',
    add(r) {
      calls.push(r);
      if (r.args.pairs().some(([k]) => k === 'FAIL')) throw new Error('plain failure');
      r.log('from in-process');
      return { cniVersion: '1.1.0', ips: [{ address: '10.7.0.2/24' }] };
    },
    del() {},
  };

  it('runs a registered plugin in-process when its binary is ours', async () => {
    script('inproc-ipam', 'echo \'{"code":100,"msg":"the binary ran"}\'; exit 1');
    registerPlugin('inproc-ipam', () => inproc);
    try {
      await expect(delegateAdd('inproc-ipam', req())).rejects.toMatchObject({ msg: 'the binary ran' });
      setOwnBinaryCheck((found) => found.endsWith('/inproc-ipam'));
      const r = req();
      const result = await delegateAdd('inproc-ipam', r);
      expect(result).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.7.0.2/24' }] });
      expect(calls.at(-1)).toMatchObject({ command: 'ADD', containerId: 'c1', ifname: 'eth0', cniVersion: '1.0.0', pathEnv: r.pathEnv });
      expect(r.logs).toEqual(['from in-process']);
      // An untyped failure reaches the caller as the binary's 999 would.
      await expect(delegateAdd('inproc-ipam', req({ args: cniArgs('FAIL=1') }))).rejects.toMatchObject({ code: 999, msg: 'plain failure' });
      // Still needs the binary in CNI_PATH, as exec would.
      await expect(delegateAdd('inproc-ipam', req({ path: [path.join(dir, 'empty')] }))).rejects.toThrow('failed to find plugin');
    } finally {
      unregisterPlugin('inproc-ipam');
    }
  });
});

describe('version info', () => {
  it('decodes VERSION answers and legacy plugins', async () => {
    script('modern', 'echo \'{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0"]}\'');
    script('legacy', 'echo \'{"code":4,"msg":"unknown CNI_COMMAND: VERSION"}\'; exit 1');
    const exec = { findInPath, execPlugin: rawExecPlugin };
    expect(await getVersionInfo(exec, path.join(dir, 'bin', 'modern'))).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.4.0', '1.0.0'] });
    expect(await getVersionInfo(exec, path.join(dir, 'bin', 'legacy'))).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.1.0'] });
    expect(decodePluginInfo(enc('{"cniVersion":"0.2.0"}')).supportedVersions).toEqual(['0.1.0', '0.2.0']);
    expect(() => decodePluginInfo(enc('{"cniVersion":"1.0.0"}'))).toThrow('decoding version info: missing field supportedVersions');
    expect(() => decodePluginInfo(enc('{}'))).toThrow('decoding version info: missing field cniVersion');
  });

  it('reads the Go oracle', async () => {
    const exec = { findInPath, execPlugin: rawExecPlugin };
    expect((await getVersionInfo(exec, '/usr/lib/cni/static')).supportedVersions).toContain('1.0.0');
  });
});

describe('delegating to the Go oracle', () => {
  it('parses static IPAM results and passes its errors through', async () => {
    const conf = '{"cniVersion":"0.4.0","name":"n","type":"macvlan","ipam":{"type":"static","addresses":[{"address":"10.5.0.2/24","gateway":"10.5.0.1"}]}}';
    const r = req({ path: ['/usr/lib/cni'], pathEnv: '/usr/lib/cni', stdin: enc(conf), cniVersion: '0.4.0' });
    expect(await ipamAdd('static', r)).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.5.0.2/24', gateway: '10.5.0.1' }], dns: {} });
    const bad = req({ path: ['/usr/lib/cni'], pathEnv: '/usr/lib/cni', stdin: enc('{"cniVersion":"0.4.0","name":"n","ipam":{"type":"static","addresses":[{"address":"zz"}]}}') });
    await expect(delegateAdd('static', bad)).rejects.toMatchObject({ code: 999 });
  });
});
