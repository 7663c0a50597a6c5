import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { CniError, findInPath, registerPlugin, unregisterPlugin, type ExecEnv, type PluginExec } from '@cni-ts/cni';
import { echoPlugin } from '../test/fixtures/echo-plugin';
import { writeLauncher } from '@cni-ts/testkit';
import { PODMAN_CONTAINER_ID, PODMAN_NETNS, podmanCache } from './cache/fixtures.test-helper';
import { cacheFilePath } from './cache/path';
import { writeCache } from './cache/write';
import { CniConfig } from './cni';
import { confListFromBytes } from './conf/list';
import type { RunEvent } from './exec/runner';
import type { RuntimeConf } from './types';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const root = mkdtempSync(path.join(tmpdir(), 'cnits-chain-cni-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let cacheDir: string;
beforeEach(() => {
  cacheDir = mkdtempSync(path.join(root, 'cache-'));
});

interface Call {
  type: string;
  command: string;
  stdin: Record<string, unknown>;
  env: ExecEnv;
}

/** Go's fake invoke.Exec: plugins are functions of (config, env) returning stdout or throwing. */
function fakeExec(plugins: Record<string, (conf: Record<string, unknown>, env: ExecEnv) => string | void>): PluginExec & { calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    findInPath(type, paths) {
      if (!(type in plugins)) return findInPath(type, paths);
      return `/fake/${type}`;
    },
    execPlugin(p, stdin, env) {
      const type = path.basename(p);
      const conf = JSON.parse(dec(stdin));
      calls.push({ type, command: env.CNI_COMMAND ?? '', stdin: conf, env });
      return enc(plugins[type]!(conf, env) ?? '');
    },
  };
}

const RT: RuntimeConf = { containerId: 'c1', netns: '/var/run/netns/x', ifName: 'eth0', args: [['IgnoreUnknown', '1'], ['K8S_POD_NAME', 'p']], capabilityArgs: { mac: 'aa:bb:cc:dd:ee:ff', portMappings: [{ hostPort: 1 }] } };
const resultJson = (v: string, ip: string) => JSON.stringify({ cniVersion: v, ips: [{ address: ip }] });

function list(doc: Record<string, unknown>) {
  return confListFromBytes(enc(JSON.stringify(doc)));
}

const NET = list({
  cniVersion: '1.0.0',
  name: 'dbnet',
  plugins: [{ type: 'a', capabilities: { portMappings: true } }, { type: 'b', capabilities: { mac: true } }, { type: 'c' }],
});

describe('ADD', () => {
  it('runs the plugins in order, passing each result on, and caches the last', async () => {
    const exec = fakeExec({ a: () => resultJson('1.0.0', '10.0.0.1/24'), b: () => resultJson('1.0.0', '10.0.0.2/24'), c: () => resultJson('1.0.0', '10.0.0.3/24') });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec, env: { KEEP: 'me' } });
    expect(await cni.addNetworkList(NET, RT)).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.3/24' }] });
    expect(exec.calls.map((c) => `${c.command} ${c.type}`)).toEqual(['ADD a', 'ADD b', 'ADD c']);
    expect(exec.calls[0]!.stdin).toEqual({ capabilities: { portMappings: true }, cniVersion: '1.0.0', name: 'dbnet', runtimeConfig: { portMappings: [{ hostPort: 1 }] }, type: 'a' });
    expect(exec.calls[1]!.stdin).toEqual({ capabilities: { mac: true }, cniVersion: '1.0.0', name: 'dbnet', prevResult: { cniVersion: '1.0.0', ips: [{ address: '10.0.0.1/24' }] }, runtimeConfig: { mac: 'aa:bb:cc:dd:ee:ff' }, type: 'b' });
    expect(exec.calls[2]!.stdin.prevResult).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.2/24' }] });
    expect(exec.calls[2]!.stdin.runtimeConfig).toBeUndefined();
    expect(exec.calls[0]!.env).toEqual({ KEEP: 'me', CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/x', CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=p', CNI_IFNAME: 'eth0', CNI_PATH: '/fake' });
    const cached = JSON.parse(readFileSync(cacheFilePath(cacheDir, 'dbnet', RT), 'utf8'));
    expect(Buffer.from(cached.config, 'base64').equals(Buffer.from(NET.bytes))).toBe(true);
    expect(cached.result).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.3/24' }] });
  });

  it('stops at the first failure with libcni text and the plugin code, writing no cache', async () => {
    const exec = fakeExec({
      a: () => resultJson('1.0.0', '10.0.0.1/24'),
      b: () => {
        throw new CniError(11, 'try again', 'busy');
      },
      c: () => resultJson('1.0.0', '10.0.0.3/24'),
    });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    await expect(cni.addNetworkList(NET, RT)).rejects.toMatchObject({ message: 'plugin type="b" failed (add): try again; busy', code: 11 });
    expect(exec.calls.map((c) => c.type)).toEqual(['a', 'b']);
    expect(existsSync(cacheFilePath(cacheDir, 'dbnet', RT))).toBe(false);
  });

  it('validates container id, network name and interface after finding the plugin', async () => {
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec: fakeExec({ a: () => '{}' }) });
    const one = list({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'a', name: 'named' }] });
    await expect(cni.addNetworkList(one, { ...RT, containerId: '-bad' })).rejects.toMatchObject({
      message: 'plugin type="a" name="named" failed (add): invalid characters in containerID; -bad',
      code: 4,
    });
    await expect(cni.addNetworkList(one, { ...RT, ifName: 'a-very-long-interface' })).rejects.toThrow('interface name is too long');
    await expect(cni.addNetworkList(list({ name: 'n', plugins: [{ type: 'zz' }] }), RT)).rejects.toThrow('plugin type="zz" failed (add): failed to find plugin "zz" in path [/fake]');
  });

  it('converts a result in another version to the list version before passing it on (libcni #862)', async () => {
    const exec = fakeExec({ a: () => JSON.stringify({ cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.1/24' }], dns: {} }), b: (c) => JSON.stringify(c.prevResult) });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    const two = list({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'a' }, { type: 'b' }] });
    expect(await cni.addNetworkList(two, RT)).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.1/24' }] });
    expect(exec.calls[1]!.stdin.prevResult).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.1/24' }] });
  });

  it('takes the config version for a result without one (libcni #895)', async () => {
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec: fakeExec({ a: () => '{"ips":[{"address":"10.0.0.1/24"}]}' }) });
    expect(await cni.addNetworkList(list({ cniVersion: '1.1.0', name: 'n', plugins: [{ type: 'a' }] }), RT)).toEqual({ cniVersion: '1.1.0', ips: [{ address: '10.0.0.1/24' }] });
  });
});

describe('DEL', () => {
  it('runs the plugins in reverse with the cached result in the list version, then drops the entry', async () => {
    const exec = fakeExec({ a: () => {}, b: () => {}, c: () => {} });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    writeCache(cacheDir, { cniVersion: '0.4.0', ips: [{ version: '4', address: '10.0.0.3/24' }] }, NET.bytes, 'dbnet', RT);
    await cni.delNetworkList(NET, RT);
    expect(exec.calls.map((c) => `${c.command} ${c.type}`)).toEqual(['DEL c', 'DEL b', 'DEL a']);
    for (const c of exec.calls) expect(c.stdin.prevResult).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.3/24' }] });
    expect(existsSync(cacheFilePath(cacheDir, 'dbnet', RT))).toBe(false);
  });

  it('keeps the entry when a plugin fails, for the retry', async () => {
    const exec = fakeExec({
      a: () => {},
      b: () => {
        throw new CniError(999, 'boom');
      },
      c: () => {},
    });
    writeCache(cacheDir, { cniVersion: '1.0.0' }, NET.bytes, 'dbnet', RT);
    await expect(new CniConfig({ path: ['/fake'], cacheDir, exec }).delNetworkList(NET, RT)).rejects.toThrow('plugin type="b" failed (delete): boom');
    expect(existsSync(cacheFilePath(cacheDir, 'dbnet', RT))).toBe(true);
  });

  it('goes on without prevResult when the cache entry is unreadable (empty file after a crash)', async () => {
    const exec = fakeExec({ a: () => {}, b: () => {}, c: () => {} });
    mkdirSync(path.join(cacheDir, 'results'), { recursive: true });
    writeFileSync(cacheFilePath(cacheDir, 'dbnet', RT), '');
    await new CniConfig({ path: ['/fake'], cacheDir, exec }).delNetworkList(NET, RT);
    expect(exec.calls.map((c) => c.stdin.prevResult)).toEqual([undefined, undefined, undefined]);
    expect(existsSync(cacheFilePath(cacheDir, 'dbnet', RT))).toBe(false);
  });

  it('sends no prevResult below 0.4.0 and fails on an unparsable version without running anything', async () => {
    const exec = fakeExec({ a: () => {} });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    writeCache(cacheDir, { cniVersion: '0.3.1' }, enc('{}'), 'n', RT);
    await cni.delNetworkList(list({ cniVersion: '0.3.1', name: 'n', plugins: [{ type: 'a' }] }), RT);
    expect(exec.calls[0]!.stdin.prevResult).toBeUndefined();
    await expect(cni.delNetworkList(list({ cniVersion: 'x.y', name: 'n', plugins: [{ type: 'a' }] }), RT)).rejects.toThrow();
    expect(exec.calls).toHaveLength(1);
  });

  it('tears down what podman set up, from its cache entry', async () => {
    const exec = fakeExec({ bridge: () => {}, tuning: () => {} });
    mkdirSync(path.join(cacheDir, 'results'), { recursive: true });
    const rt = { containerId: PODMAN_CONTAINER_ID, netns: PODMAN_NETNS, ifName: 'eth0' };
    writeFileSync(cacheFilePath(cacheDir, 'labbr', rt), podmanCache());
    const podmanList = list({ cniVersion: '0.4.0', name: 'labbr', plugins: [{ type: 'bridge', bridge: 'cni-podman1' }, { type: 'tuning' }] });
    await new CniConfig({ path: ['/fake'], cacheDir, exec }).delNetworkList(podmanList, rt);
    expect(exec.calls.map((c) => c.type)).toEqual(['tuning', 'bridge']);
    expect(exec.calls[0]!.stdin.prevResult).toMatchObject({ cniVersion: '0.4.0', ips: [{ version: '4', interface: 2, address: '10.99.0.2/24', gateway: '10.99.0.1' }] });
    expect(existsSync(cacheFilePath(cacheDir, 'labbr', rt))).toBe(false);
  });
});

describe('CHECK', () => {
  it('needs 0.4.0, honours disableCheck, gives every plugin the cached result in order', async () => {
    const exec = fakeExec({ a: () => {}, b: () => {}, c: () => {} });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    await expect(cni.checkNetworkList({ ...NET, cniVersion: '0.3.1' }, RT)).rejects.toThrow('configuration version "0.3.1" does not support the CHECK command');
    await cni.checkNetworkList({ ...NET, disableCheck: true }, RT);
    expect(exec.calls).toEqual([]);
    writeCache(cacheDir, { cniVersion: '1.0.0', ips: [{ address: '10.0.0.3/24' }] }, NET.bytes, 'dbnet', RT);
    await cni.checkNetworkList(NET, RT);
    expect(exec.calls.map((c) => `${c.command} ${c.type}`)).toEqual(['CHECK a', 'CHECK b', 'CHECK c']);
    expect(exec.calls[2]!.stdin.prevResult).toEqual({ cniVersion: '1.0.0', ips: [{ address: '10.0.0.3/24' }] });
    writeFileSync(cacheFilePath(cacheDir, 'dbnet', RT), '{"kind":"cniCacheV1","result":{"cniVersion":"7"}}');
    await expect(cni.checkNetworkList(NET, RT)).rejects.toThrow('failed to get network "dbnet" cached result: unsupported CNI result version "7"');
  });
});

describe('GC', () => {
  const GCNET = list({ cniVersion: '1.1.0', name: 'dbnet', plugins: [{ type: 'a' }, { type: 'b' }] });

  it('DELs stale cached attachments with their cached netns and args, then GCs every plugin', async () => {
    const exec = fakeExec({ a: () => {}, b: () => {} });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    writeCache(cacheDir, { cniVersion: '1.1.0' }, GCNET.bytes, 'dbnet', { containerId: 'keep', netns: '/n/keep', ifName: 'eth0' });
    writeCache(cacheDir, { cniVersion: '1.1.0' }, GCNET.bytes, 'dbnet', { containerId: 'stale', netns: '/n/stale', ifName: 'eth0', args: [['K', 'V']] });
    writeCache(cacheDir, { cniVersion: '1.1.0' }, GCNET.bytes, 'other', { containerId: 'stale', netns: '/n/stale', ifName: 'eth0' });
    await cni.gcNetworkList(GCNET, { validAttachments: [{ containerID: 'keep', ifname: 'eth0' }] });
    expect(exec.calls.map((c) => `${c.command} ${c.type} ${c.env.CNI_CONTAINERID}`)).toEqual(['DEL b stale', 'DEL a stale', 'GC a ', 'GC b ']);
    expect(exec.calls[0]!.env).toMatchObject({ CNI_NETNS: '/n/stale', CNI_ARGS: 'K=V' });
    expect(exec.calls[2]!.stdin).toEqual({
      'cni.dev/attachments': [{ containerID: 'keep', ifname: 'eth0' }],
      'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }],
      cniVersion: '1.1.0',
      name: 'dbnet',
      type: 'a',
    });
    expect(exec.calls[2]!.env).toMatchObject({ CNI_COMMAND: 'GC', CNI_CONTAINERID: '', CNI_NETNS: '', CNI_IFNAME: '', CNI_ARGS: '', CNI_PATH: '/fake' });
    expect(cni.getCachedAttachments().map((a) => `${a.network}/${a.containerId}`)).toEqual(['dbnet/keep', 'other/stale']);
  });

  it('without args everything of the network is stale and GC gets no attachment keys; below 1.1.0 no GC; disableGC: nothing', async () => {
    const exec = fakeExec({ a: () => {}, b: () => {} });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    writeCache(cacheDir, { cniVersion: '1.1.0' }, GCNET.bytes, 'dbnet', { containerId: 'one', netns: '', ifName: 'eth0' });
    await cni.gcNetworkList({ ...GCNET, disableGC: true });
    expect(exec.calls).toEqual([]);
    await cni.gcNetworkList({ ...GCNET, cniVersion: '1.0.0' });
    expect(exec.calls.map((c) => `${c.command} ${c.type}`)).toEqual(['DEL b', 'DEL a']);
    await cni.gcNetworkList(GCNET);
    expect(exec.calls.slice(2).map((c) => Object.keys(c.stdin))).toEqual([['cniVersion', 'name', 'type'], ['cniVersion', 'name', 'type']]);
  });

  it('joins every error and goes on', async () => {
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec: fakeExec({ a: fail('a broke'), b: fail('b broke') }) });
    writeCache(cacheDir, { cniVersion: '1.1.0' }, GCNET.bytes, 'dbnet', { containerId: 'one', netns: '', ifName: 'eth0' });
    await expect(cni.gcNetworkList(GCNET)).rejects.toThrow(
      'failed to delete stale attachment one eth0: plugin type="b" failed (delete): b broke\nfailed to GC plugin a: a broke\nfailed to GC plugin b: b broke',
    );
  });
});

function fail(m: string) {
  return () => {
    throw new CniError(999, m);
  };
}

describe('STATUS', () => {
  it('runs from 1.1.0 in order and returns the first error as is', async () => {
    const exec = fakeExec({
      a: () => {},
      b: () => {
        throw new CniError(50, 'not available');
      },
      c: () => {},
    });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    await cni.getStatusNetworkList(NET);
    expect(exec.calls).toEqual([]);
    await expect(cni.getStatusNetworkList({ ...NET, cniVersion: '1.1.0' })).rejects.toMatchObject({ code: 50, msg: 'not available' });
    expect(exec.calls.map((c) => `${c.command} ${c.type}`)).toEqual(['STATUS a', 'STATUS b']);
    expect(exec.calls[0]!.stdin).toEqual({ capabilities: { portMappings: true }, cniVersion: '1.1.0', name: 'dbnet', type: 'a' });
  });
});

describe('exec', () => {
  const bin = path.join(root, 'bin');
  mkdirSync(bin, { recursive: true });
  const script = (name: string, body: string) => {
    writeFileSync(path.join(bin, name), `#!/bin/sh\n${body}\n`);
    chmodSync(path.join(bin, name), 0o755);
  };

  it('kills a plugin past the deadline', async () => {
    script('sleepy', 'exec sleep 30');
    const cni = new CniConfig({ path: [bin], cacheDir, timeoutMs: 300 });
    const started = Date.now();
    await expect(cni.addNetworkList(list({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'sleepy' }] }), RT)).rejects.toThrow(
      'plugin type="sleepy" failed (add): netplugin failed with no error message: signal: killed (timed out after 0.3s)',
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('validates a list with VERSION probes (ValidateNetworkList)', async () => {
    script('v100', 'echo \'{"cniVersion":"1.1.0","supportedVersions":["0.4.0","1.0.0"]}\'');
    script('legacy', 'echo \'{"code":4,"msg":"unknown CNI_COMMAND: VERSION"}\'; exit 1');
    const cni = new CniConfig({ path: [bin], cacheDir });
    const ok = list({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'v100', capabilities: { portMappings: true, mac: false } }, { type: 'v100', capabilities: { ips: true } }] });
    expect((await cni.validateNetworkList(ok)).toSorted()).toEqual(['ips', 'portMappings']);
    const bad = list({ cniVersion: '1.1.0', name: 'n', plugins: [{ type: 'v100' }, { type: 'legacy' }, { type: 'gone' }] });
    await expect(cni.validateNetworkList(bad)).rejects.toThrow(
      `[plugin v100 does not support config version "1.1.0" plugin legacy does not support config version "1.1.0" failed to find plugin "gone" in path [${bin}]]`,
    );
    expect(await cni.getVersionInfo('legacy')).toEqual({ cniVersion: '1.1.0', supportedVersions: ['0.1.0'] });
  });

  it('passes the plugin error object and stderr through as libcni does', async () => {
    script('failing', 'echo \'{"code":7,"msg":"bad config","details":"field x"}\'; exit 1');
    script('noisy', 'echo "a note" >&2; echo \'{"cniVersion":"1.0.0"}\'');
    const notes: string[] = [];
    const cni = new CniConfig({ path: [bin], cacheDir, timeoutMs: 5000, onStderr: (t) => notes.push(t) });
    await expect(cni.addNetworkList(list({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'failing' }] }), RT)).rejects.toMatchObject({
      message: 'plugin type="failing" failed (add): bad config; field x',
      code: 7,
    });
    await cni.addNetworkList(list({ cniVersion: '1.0.0', name: 'n', plugins: [{ type: 'noisy' }] }), RT);
    expect(notes).toEqual(['a note\n']);
  });
});

describe('in-process and exec give the same results and cache files', () => {
  const bin = path.join(root, 'echo-bin');
  writeLauncher(bin, 'cnits-echo', path.resolve(import.meta.dirname, '../test/fixtures/echo-main.ts'));
  const echoList = list({
    cniVersion: '1.0.0',
    name: 'echonet',
    plugins: [{ type: 'cnits-echo', address: '10.1.0.2/24' }, { type: 'cnits-echo', address: '10.2.0.2/24', capabilities: { mac: true } }],
  });

  it('ADD, CHECK and DEL', async () => {
    registerPlugin('cnits-echo', () => echoPlugin);
    try {
      const outputs: Record<string, unknown> = {};
      for (const inProcess of [true, false]) {
        const dir = mkdtempSync(path.join(root, 'same-'));
        const runs: RunEvent[] = [];
        const stderr: string[] = [];
        const cni = new CniConfig({ path: [bin], cacheDir: dir, inProcess, onRun: (e) => runs.push(e), onStderr: (t) => stderr.push(t) });
        const result = await cni.addNetworkList(echoList, RT);
        const cache = readFileSync(cacheFilePath(dir, 'echonet', RT), 'utf8');
        await cni.checkNetworkList(echoList, RT);
        await cni.delNetworkList(echoList, RT);
        expect(new Set(runs.map((r) => r.mode))).toEqual(new Set([inProcess ? 'in-process' : 'exec']));
        outputs[String(inProcess)] = { result, cache, stderr, gone: !existsSync(cacheFilePath(dir, 'echonet', RT)) };
      }
      expect(outputs.true).toEqual(outputs.false);
      expect(outputs.true).toMatchObject({
        result: {
          cniVersion: '1.0.0',
          interfaces: [{ name: 'eth0', sandbox: '/var/run/netns/x' }, { name: 'eth0', mac: 'aa:bb:cc:dd:ee:ff', sandbox: '/var/run/netns/x' }],
          ips: [{ address: '10.1.0.2/24', interface: 0 }, { address: '10.2.0.2/24', interface: 1 }],
        },
        stderr: ['echo: adding 10.1.0.2/24\n', 'echo: adding 10.2.0.2/24\n'],
        gone: true,
      });
    } finally {
      unregisterPlugin('cnits-echo');
    }
  });
});

describe('untrusted names at every operation (issue 18)', () => {
  it('DEL and CHECK refuse names the skeleton refuses before touching the cache or a plugin', async () => {
    const exec = fakeExec({ a: () => resultJson('1.0.0', '10.0.0.2/24'), b: () => undefined, c: () => undefined });
    const cni = new CniConfig({ path: ['/fake'], cacheDir, exec });
    const victim = path.join(root, 'victim');
    writeFileSync(victim, 'not a result');
    const up = `/${'../'.repeat(20)}${victim.slice(1)}`;
    for (const rt of [{ ...RT, ifName: up }, { ...RT, ifName: 'a:b' }, { ...RT, containerId: '../c' }]) {
      await expect(cni.delNetworkList(NET, rt)).rejects.toBeInstanceOf(CniError);
      await expect(cni.checkNetworkList(NET, rt)).rejects.toBeInstanceOf(CniError);
      await expect(cni.addNetworkList(NET, rt)).rejects.toThrow();
    }
    expect(exec.calls).toEqual([]);
    expect(readFileSync(victim, 'utf8')).toBe('not a result');
  });
});
