import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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

const body = (command: string, container = 'c1') => encodeRequest({ ...env(command, ''), CNI_CONTAINERID: container }, Buffer.from('{"cniVersion":"1.0.0","name":"n"}'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('one daemon for every pod (issue 18)', () => {

  it('replaces only the socket file at start: the directory and its other files stay; anything but a socket is refused', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-'));
    dirs.push(dir);
    const socketDir = path.join(dir, 'run');
    const raw = { socketDir };
    const first = await startDaemon({ plugin: fake(), config: parseDaemonConfig(raw).config, raw });
    writeFileSync(path.join(socketDir, 'keep-me'), 'x');
    // A daemon killed without cleanup leaves its socket; the next one replaces it.
    const stale = first.socket;
    await first.shutdown();
    const { createServer } = await import('node:net');
    const leftover = createServer();
    await new Promise<void>((r) => leftover.listen(stale, r));
    leftover.close();
    const second = await startDaemon({ plugin: fake(), config: parseDaemonConfig(raw).config, raw });
    daemons.push(second);
    expect(readdirSync(socketDir).toSorted()).toEqual(['keep-me', 'multus.sock']);
    expect((await callDaemon(second.socket, 'GET', '/healthz')).status).toBe(200);
    await second.shutdown();
    rmSync(second.socket, { force: true });
    writeFileSync(path.join(socketDir, 'multus.sock'), 'not a socket');
    await expect(startDaemon({ plugin: fake(), config: parseDaemonConfig(raw).config, raw })).rejects.toThrow(/refusing to replace .*multus.sock: it is not a socket/);
    expect(readFileSync(path.join(socketDir, 'keep-me'), 'utf8')).toBe('x');
  });

  it('runs the requests of one sandbox one at a time, in order, and other sandboxes meanwhile', async () => {
    const events: string[] = [];
    const slow = async (req: CniRequest, what: string) => {
      events.push(`${what} ${req.containerId} start`);
      await sleep(150);
      events.push(`${what} ${req.containerId} end`);
    };
    const { d } = await daemon(
      fake({
        add: async (req) => {
          await slow(req, 'ADD');
          return structuredClone(result) as never;
        },
        del: (req) => slow(req, 'DEL'),
        check: (req) => slow(req, 'CHECK'),
      }),
    );
    const a = callDaemon(d.socket, 'POST', '/cni', body('ADD', 'c1'));
    await sleep(20);
    const b = callDaemon(d.socket, 'POST', '/cni', body('DEL', 'c1'));
    await sleep(20);
    const c = callDaemon(d.socket, 'POST', '/cni', body('ADD', 'c2'));
    expect((await Promise.all([a, b, c])).map((r) => r.status)).toEqual([200, 200, 200]);
    expect(events.indexOf('ADD c1 end')).toBeLessThan(events.indexOf('DEL c1 start'));
    // c2 did not wait for c1's queue.
    expect(events.indexOf('ADD c2 start')).toBeLessThan(events.indexOf('DEL c1 end'));
  });

  it('a request whose client went away is cancelled, and its completed ADD undone before the next request of the sandbox', async () => {
    const seen: string[] = [];
    let aborted: unknown;
    const logs: string[] = [];
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-'));
    dirs.push(dir);
    const raw = { socketDir: path.join(dir, 'run') };
    const plugin = fake({
      add: async (req) => {
        seen.push('ADD');
        await sleep(300);
        aborted = req.signal?.aborted ? req.signal.reason : undefined;
        return structuredClone(result) as never;
      },
      del: () => void seen.push('DEL'),
    });
    const d2 = await startDaemon({ plugin, config: parseDaemonConfig(raw).config, raw, log: (l) => logs.push(l) });
    daemons.push(d2);
    const { request } = await import('node:http');
    const req = request({ socketPath: d2.socket, method: 'POST', path: '/cni', host: 'dummy', agent: false });
    req.on('error', () => {});
    req.end(body('ADD'));
    await sleep(100);
    req.destroy(); // the shim was killed mid-ADD
    // The runtime's DEL comes at once; it runs after the ADD and its undo.
    const del = await callDaemon(d2.socket, 'POST', '/cni', body('DEL'));
    expect(del.status).toBe(200);
    expect(aborted).toBe('the client went away');
    expect(seen).toEqual(['ADD', 'DEL', 'DEL']);
    expect(logs.join('\n')).toMatch(/the client went away; undone with DEL -> 200/);
  });

  it('an ADD still running at delegateTimeoutMs is cancelled (the plugin sees why)', async () => {
    let reason: unknown;
    const { d } = await daemon(
      fake({
        add: async (req) => {
          await new Promise((r) => req.signal?.addEventListener('abort', r));
          reason = req.signal?.reason;
          throw new CniError(999, 'cancelled');
        },
      }),
      { delegateTimeoutMs: 200 },
    );
    const r = await callDaemon(d.socket, 'POST', '/cni', body('ADD'));
    expect(r.status).toBe(400);
    expect(reason).toBe('no answer within delegateTimeoutMs (200 ms)');
  });

  it('refuses a body larger than maxRequestBytes with a 400 and a log line, and keeps serving', async () => {
    const logs: string[] = [];
    const dir = mkdtempSync(path.join(tmpdir(), 'cnits-thick-'));
    dirs.push(dir);
    const raw = { socketDir: path.join(dir, 'run'), maxRequestBytes: 4096 };
    const d = await startDaemon({ plugin: fake(), config: parseDaemonConfig(raw).config, raw, log: (l) => logs.push(l) });
    daemons.push(d);
    const big = encodeRequest(env('ADD', ''), Buffer.from(JSON.stringify({ cniVersion: '1.0.0', name: 'n', pad: 'x'.repeat(8192) })));
    const r = await callDaemon(d.socket, 'POST', '/cni', big);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ code: 7, msg: `request body of ${Buffer.byteLength(big)} bytes is larger than maxRequestBytes (4096)` });
    expect(logs.some((l) => l.startsWith('/cni -> 400: request body of'))).toBe(true);
    expect((await callDaemon(d.socket, 'POST', '/cni', body('ADD'))).status).toBe(200);
  });

  it('connectionLimit: connections past the limit wait their turn (Go\'s LimitListener), none is refused; 0 is refused at start', async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const { d } = await daemon(
      fake({
        add: async (req) => {
          order.push(`start ${req.containerId}`);
          if (req.containerId === 'c1') await held;
          order.push(`end ${req.containerId}`);
          return structuredClone(result) as never;
        },
      }),
      { connectionLimit: 1 },
    );
    const first = callDaemon(d.socket, 'POST', '/cni', encodeRequest({ ...env('ADD', ''), CNI_CONTAINERID: 'c1' }, Buffer.from(shimConf('x'))));
    await new Promise((r) => setTimeout(r, 100));
    // The health probe and a second pod queue behind the held connection instead of failing.
    const health = callDaemon(d.socket, 'GET', '/healthz');
    const second = callDaemon(d.socket, 'POST', '/cni', encodeRequest({ ...env('ADD', ''), CNI_CONTAINERID: 'c2' }, Buffer.from(shimConf('x'))));
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(['start c1']);
    release();
    expect((await first).status).toBe(200);
    expect((await health).status).toBe(200);
    expect((await second).status).toBe(200);
    expect(order).toEqual(['start c1', 'end c1', 'start c2', 'end c2']);
    await expect(daemon(fake(), { connectionLimit: 0 })).rejects.toThrow('connection limit must be greater than 0, got 0');
  });
});
