import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CniError, type CniRequest, type Plugin } from '@cni-ts/cni';
import { dispatch } from '@cni-ts/cni/skel';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeRequest } from './api';
import { callDaemon } from './client';
import { parseDaemonConfig } from './daemon-config';
import { startDaemon, type Daemon } from './server';
import { createShim } from './shim';

const dirs: string[] = [];
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const d of daemons.splice(0)) await d.shutdown();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const result = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: '/x' }], ips: [{ address: '10.1.0.2/24', interface: 0 }] };

function fake(over: Partial<Plugin> = {}, seen: CniRequest[] = []): Plugin {
  return {
    type: 'multus',
    add: (req) => {
      seen.push(req);
      return structuredClone(result) as never;
    },
    del: (req) => void seen.push(req),
    ...over,
  };
}

async function daemon(plugin: Plugin, extra: Record<string, unknown> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-'));
  dirs.push(dir);
  const raw = { socketDir: path.join(dir, 'run'), ...extra };
  const { config } = parseDaemonConfig(raw);
  const d = await startDaemon({ plugin, config, raw });
  daemons.push(d);
  return { d, dir };
}

const args = 'IgnoreUnknown=1;K8S_POD_NAMESPACE=demo;K8S_POD_NAME=web-0;K8S_POD_UID=u1';
const env = (command: string, socketDir: string) => ({ CNI_COMMAND: command, CNI_CONTAINERID: 'c1', CNI_NETNS: '/proc/1/ns/net', CNI_IFNAME: 'eth0', CNI_ARGS: args, CNI_PATH: '/opt/cni/bin', X: socketDir });
const shimConf = (socketDir: string, cniVersion = '0.4.0') => JSON.stringify({ cniVersion, name: 'multus-cni-network', type: 'multus-shim', daemonSocketDir: socketDir, clusterNetwork: '/etc/cni/net.d/10-x.conf' });
const quick = createShim({ readyPollMs: 20, readyTimeoutMs: 300 });

describe('daemon HTTP API', () => {
  it('listens on a 0600 socket in a 0700 directory and answers /healthz, /readyz, 404 and 405', async () => {
    const { d } = await daemon(fake());
    expect(statSync(d.socket).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(d.socket)).mode & 0o777).toBe(0o700);
    expect((await callDaemon(d.socket, 'GET', '/healthz')).status).toBe(200);
    expect((await callDaemon(d.socket, 'POST', '/readyz')).status).toBe(200);
    expect((await callDaemon(d.socket, 'GET', '/nope')).status).toBe(404);
    expect((await callDaemon(d.socket, 'GET', '/cni')).status).toBe(405);
  });

  it('ADD answers {"Result": <1.0.0 result>} and hands the plugin the env and the overlaid config', async () => {
    const seen: CniRequest[] = [];
    const { d } = await daemon(fake({}, seen), { logLevel: 'debug', cniVersion: '0.3.1', chrootDir: '/nowhere' });
    const body = encodeRequest(env('ADD', 'x'), Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'n', type: 'multus-shim', clusterNetwork: 'c' })));
    const r = await callDaemon(d.socket, 'POST', '/cni', body);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).Result.cniVersion).toBe('1.0.0');
    expect(seen[0]!.config).toMatchObject({ logLevel: 'debug', cniVersion: '0.3.1', clusterNetwork: 'c' });
    // daemon-only keys are not overlaid
    expect(seen[0]!.config.chrootDir).toBeUndefined();
    expect(seen[0]!.env.CNI_ARGS).toBe(args);
  });

  it('rejects bad CNI_ARGS and missing variables with 400 and text', async () => {
    const { d } = await daemon(fake());
    const bad = await callDaemon(d.socket, 'POST', '/cni', encodeRequest({ ...env('ADD', ''), CNI_ARGS: 'K8S_POD_NAME=a;junk' }, Buffer.from('{}')));
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("invalid CNI_ARG 'junk'");
    const none = await callDaemon(d.socket, 'POST', '/cni', encodeRequest({ CNI_COMMAND: 'ADD' }, Buffer.from('{}')));
    expect(none.body).toContain('missing CNI_CONTAINERID');
  });

  it('counts requests in Prometheus text on /metrics and on metricsPort', async () => {
    const { d } = await daemon(fake(), { metricsPort: 39391 + (process.pid % 1000) });
    await callDaemon(d.socket, 'GET', '/healthz');
    await callDaemon(d.socket, 'POST', '/cni', encodeRequest(env('ADD', ''), Buffer.from('{"cniVersion":"1.0.0","name":"n"}')));
    const text = (await callDaemon(d.socket, 'GET', '/metrics')).body;
    expect(text).toContain('multus_server_request_total{handler="/healthz",code="200",method="get"} 1');
    expect(text).toContain('multus_cni_request_duration_seconds_count{command="ADD",result="success"} 1');
    const res = await fetch(`http://127.0.0.1:${d.metricsPort}/metrics`);
    expect(await res.text()).toContain('# TYPE multus_server_request_total counter');
  });
});

describe('shim', () => {
  it('forwards ADD and prints the result in its own cniVersion', async () => {
    const { d } = await daemon(fake());
    const out = await dispatch(quick, { env: env('ADD', ''), stdin: shimConf(path.dirname(d.socket), '0.4.0') });
    expect(out.exitCode, out.stdout).toBe(0);
    expect(JSON.parse(out.stdout).cniVersion).toBe('0.4.0');
    expect(JSON.parse(out.stdout).ips[0].address).toBe('10.1.0.2/24');
  });

  it('passes a CNI error of the daemon through verbatim, DEL included', async () => {
    const { d } = await daemon(fake({ del: () => { throw new CniError(11, 'delegate del failed', 'busy'); } }));
    const out = await dispatch(quick, { env: env('DEL', ''), stdin: shimConf(path.dirname(d.socket)) });
    expect(out.exitCode).toBe(1);
    expect(JSON.parse(out.stdout)).toEqual({ code: 11, msg: 'delegate del failed', details: 'busy' });
  });

  it('DEL with no daemon fails loudly at once; ADD waits for readiness, then fails with try-again-later', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-'));
    dirs.push(dir);
    const t0 = Date.now();
    const del = await dispatch(quick, { env: env('DEL', ''), stdin: shimConf(dir) });
    expect(del.exitCode).toBe(1);
    expect(JSON.parse(del.stdout).msg).toMatch(/^CmdDel \(shim\): .*ENOENT/);
    expect(Date.now() - t0).toBeLessThan(250);
    const add = await dispatch(quick, { env: env('ADD', ''), stdin: shimConf(dir) });
    expect(JSON.parse(add.stdout)).toMatchObject({ code: 11 });
    expect(JSON.parse(add.stdout).msg).toMatch(/^CmdAdd \(shim\): failed waiting for the multus daemon to be ready/);
  });

  it('ADD waits while the socket is absent and goes through once the daemon starts', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-'));
    dirs.push(dir);
    const socketDir = path.join(dir, 'run');
    const slow = createShim({ readyPollMs: 20, readyTimeoutMs: 5000 });
    const pending = dispatch(slow, { env: env('ADD', ''), stdin: shimConf(socketDir) });
    await new Promise((r) => setTimeout(r, 200));
    const raw = { socketDir };
    daemons.push(await startDaemon({ plugin: fake(), config: parseDaemonConfig(raw).config, raw }));
    expect((await pending).exitCode).toBe(0);
  });
});

describe('graceful shutdown', () => {
  it('stops accepting, lets the request in flight finish, then resolves', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { d } = await daemon(fake({ add: async () => { await gate; return structuredClone(result) as never; } }));
    const inflight = callDaemon(d.socket, 'POST', '/cni', encodeRequest(env('ADD', ''), Buffer.from('{"cniVersion":"1.0.0","name":"n"}')));
    await new Promise((r) => setTimeout(r, 100));
    let closed = false;
    const stopping = d.shutdown().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 50));
    await expect(callDaemon(d.socket, 'GET', '/healthz')).rejects.toThrow();
    expect(closed).toBe(false);
    release();
    expect((await inflight).status).toBe(200);
    await stopping;
    expect(closed).toBe(true);
  });
});
