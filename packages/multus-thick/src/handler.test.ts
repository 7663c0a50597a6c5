import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CniRequest, Plugin } from '@cni-ts/cni';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRequest } from './api';
import { parseDaemonConfig } from './daemon-config';
import { requestEnv, serveDelegate, visibleNetns } from './handler';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('netns visibility (Talos /var/run/netns)', () => {
  it('keeps a visible path, else finds it under chrootDir, else leaves it for the error', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'cnits-thick-root-'));
    dirs.push(root);
    mkdirSync(path.join(root, 'var/run/netns'), { recursive: true });
    writeFileSync(path.join(root, 'var/run/netns/cni-1'), '');
    expect(visibleNetns('/proc/self/ns/net', root)).toBe('/proc/self/ns/net');
    expect(visibleNetns('/var/run/netns/cni-1', root)).toBe(path.join(root, 'var/run/netns/cni-1'));
    expect(visibleNetns('/var/run/netns/cni-2', root)).toBe('/var/run/netns/cni-2');
    expect(visibleNetns('/var/run/netns/cni-1', '')).toBe('/var/run/netns/cni-1');
  });
});

describe('request environment', () => {
  it("adds the daemon's in-cluster variables only when the shim's lack them; CNI_IFNAME defaults to eth0", () => {
    const own = { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' };
    expect(requestEnv({ CNI_COMMAND: 'ADD' }, own)).toEqual({ CNI_COMMAND: 'ADD', CNI_IFNAME: 'eth0', ...own });
    expect(requestEnv({ KUBERNETES_SERVICE_HOST: 'x', CNI_IFNAME: 'net3' }, own)).toMatchObject({ KUBERNETES_SERVICE_HOST: 'x', CNI_IFNAME: 'net3', KUBERNETES_SERVICE_PORT: '443' });
  });
});

describe('/delegate', () => {
  it('runs the posted network alone through the plugin\'s hotplug, with the selection attributes; the posted config as posted', async () => {
    const seen: { req: CniRequest; input: unknown }[] = [];
    const hot = (input: unknown): Plugin => ({ type: 'multus', add: (r) => (seen.push({ req: r, input }), { cniVersion: '1.0.0', interfaces: [], ips: [] }) as never, del: () => {} });
    const plugin = { type: 'multus', add: () => undefined as never, del: () => {}, hotplug: hot } as Plugin;
    const raw = { socketDir: '/unused', logLevel: 'verbose', cniVersion: '0.3.1', clusterNetwork: '/x', binDir: '/b' };
    const delegate = JSON.stringify({ cniVersion: '1.0.0', name: 'mv', type: 'macvlan' });
    const attrs = { ips: ['10.1.1.5/24'], mac: '02:00:00:00:00:05', 'cni-args': { foo: 'bar' } };
    const body = encodeRequest({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/proc/1/ns/mnt', CNI_IFNAME: 'net2', CNI_ARGS: 'K8S_POD_NAMESPACE=a;K8S_POD_NAME=b;K8S_POD_UID=u' }, Buffer.from(delegate), attrs);
    const a = await serveDelegate({ plugin, config: parseDaemonConfig(raw).config, raw }, body);
    expect(a.status, a.body).toBe(200);
    expect(JSON.parse(a.body).Result.cniVersion).toBe('1.0.0');
    const { req, input } = seen[0]!;
    expect(Buffer.from((input as { delegate: Uint8Array }).delegate).toString()).toBe(delegate);
    expect((input as { attrs: unknown }).attrs).toEqual(attrs);
    expect(req.config).toMatchObject({ logLevel: 'verbose', binDir: '/b', type: 'multus' });
    expect(req.config.clusterNetwork).toBeUndefined();
    expect(req.ifname).toBe('net2');
    expect(req.pathEnv).toBe('/b');
  });

  it('GC is no /delegate command; a plugin without hotplug serves none', async () => {
    const raw = { socketDir: '/unused' };
    const env = { CNI_COMMAND: 'GC', CNI_ARGS: 'K8S_POD_NAMESPACE=a;K8S_POD_NAME=b' };
    const hot: Plugin = { type: 'multus', hotplug: () => ({ type: 'multus' }) } as unknown as Plugin;
    expect((await serveDelegate({ plugin: hot, config: parseDaemonConfig(raw).config, raw }, encodeRequest(env, Buffer.from('{}')))).body).toContain('unknown cmd type: GC');
    const add = { ...env, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'c', CNI_NETNS: '/x' };
    expect((await serveDelegate({ plugin: { type: 'multus', add: () => undefined as never, del: () => {} }, config: parseDaemonConfig(raw).config, raw }, encodeRequest(add, Buffer.from('{}')))).body).toContain('serves no /delegate');
  });
});
