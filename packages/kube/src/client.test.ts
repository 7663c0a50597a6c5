// loadKubeClient through our own connection path: a real TLS server (certificates made with
// openssl here) for CA verification, tls-server-name and client-certificate auth; a plain
// http server to compare what our path and client-node's put on the wire; the errors and
// fallback decisions seen from the public API.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeClient, loadWithClientNode, type KubeClient } from './client';
import { TransportError } from './errors';
import { RateLimiter } from './ratelimit';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-k8s-client-'));
const servers: Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string) => path.join(dir, name);
const b64 = (name: string) => readFileSync(file(name)).toString('base64');
const via = (c: KubeClient | undefined) => (c as unknown as { via: string }).via;

function openssl(...args: string[]) {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/** A CA, a server certificate for the name "kubernetes" only, a client certificate for "multus". */
function makePki() {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl('req', '-x509', ...ec, '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '1', '-subj', '/CN=cni-ts test CA');
  for (const [name, cn, ext] of [
    ['server', 'kubernetes', 'subjectAltName=DNS:kubernetes\nextendedKeyUsage=serverAuth\n'],
    ['client', 'multus', 'extendedKeyUsage=clientAuth\n'],
  ] as const) {
    writeFileSync(file(`${name}.ext`), ext);
    openssl('req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`);
  }
}

interface Seen {
  url: string;
  headers: IncomingHttpHeaders;
  clientCN?: string;
}

async function listen(server: Server, seen: Seen[]): Promise<number> {
  server.on('request', (req, res) => {
    const peer = (req.socket as TLSSocket).getPeerCertificate?.();
    seen.push({ url: req.url ?? '', headers: req.headers, clientCN: peer?.subject?.CN as string | undefined });
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ kind: 'Pod', metadata: { name: 'p' } }));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function kubeconfig(name: string, cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  };
  writeFileSync(file(name), JSON.stringify(doc));
  return file(name);
}

describe('TLS through our path', () => {
  const seen: Seen[] = [];
  let server = '';
  beforeAll(async () => {
    makePki();
    const https = createHttpsServer({ key: readFileSync(file('server.key')), cert: readFileSync(file('server.crt')), ca: readFileSync(file('ca.crt')), requestCert: true, rejectUnauthorized: true });
    server = `https://127.0.0.1:${await listen(https, seen)}`;
  });

  it('verifies the server against the CA (a relative path), under tls-server-name, with a client certificate', async () => {
    const kc = kubeconfig('tls-ok', { server, 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' });
    const client = await loadKubeClient({ kubeconfig: kc, env: {} });
    expect(via(client)).toBe('own');
    expect(await client!.request('GET', '/api/v1/namespaces/a/pods/p')).toMatchObject({ kind: 'Pod' });
    expect(seen.at(-1)).toMatchObject({ url: '/api/v1/namespaces/a/pods/p', clientCN: 'multus' });
    expect(seen.at(-1)!.headers.authorization).toBeUndefined();
  });

  it('the same with -data fields and a token', async () => {
    const kc = kubeconfig('tls-data', { server, 'certificate-authority-data': b64('ca.crt'), 'tls-server-name': 'kubernetes' }, { 'client-certificate-data': b64('client.crt'), 'client-key-data': b64('client.key'), token: 'tok' });
    const client = await loadKubeClient({ kubeconfig: kc, env: {} });
    await client!.request('GET', '/api/v1/pods');
    expect(seen.at(-1)).toMatchObject({ clientCN: 'multus', headers: { authorization: 'Bearer tok' } });
  });

  it('refuses a server certificate for another name, or from an unknown CA', async () => {
    const wrongName = await loadKubeClient({ kubeconfig: kubeconfig('tls-name', { server, 'certificate-authority': 'ca.crt' }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' }), env: {} });
    await expect(wrongName!.request('GET', '/api/v1/pods')).rejects.toThrow(/Hostname\/IP does not match certificate's altnames/);
    const noCa = await loadKubeClient({ kubeconfig: kubeconfig('tls-noca', { server, 'tls-server-name': 'kubernetes' }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' }), env: {} });
    const err = await noCa!.request('GET', '/api/v1/pods').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as Error).message).toMatch(/certificate/);
  });

  it('insecure-skip-tls-verify skips the check; without a client certificate the server refuses us', async () => {
    const skip = await loadKubeClient({ kubeconfig: kubeconfig('tls-skip', { server, 'insecure-skip-tls-verify': true }, { 'client-certificate': 'client.crt', 'client-key': 'client.key' }), env: {} });
    await skip!.request('GET', '/api/v1/pods');
    expect(seen.at(-1)!.clientCN).toBe('multus');
    const anon = await loadKubeClient({ kubeconfig: kubeconfig('tls-anon', { server, 'certificate-authority': 'ca.crt', 'tls-server-name': 'kubernetes' }, { token: 't' }), env: {} });
    await expect(anon!.request('GET', '/api/v1/pods')).rejects.toBeInstanceOf(TransportError);
  });

  it('in-cluster: the service account CA and token, the token re-read when it rotates', async () => {
    // The service address is an IP (no tls-server-name in-cluster): a second server whose
    // certificate names 127.0.0.1, signed by the same CA, without client authentication.
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'ip.key', '-out', 'ip.csr', '-subj', '/CN=10.96.0.1');
    writeFileSync(file('ip.ext'), 'subjectAltName=IP:127.0.0.1\n');
    openssl('x509', '-req', '-in', 'ip.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'ip.crt', '-days', '1', '-extfile', 'ip.ext');
    const ipSeen: Seen[] = [];
    const port = await listen(createHttpsServer({ key: readFileSync(file('ip.key')), cert: readFileSync(file('ip.crt')) }), ipSeen);
    writeFileSync(file('sa-token'), 'first\n');
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(port) };
    const client = await loadKubeClient({ kubeconfig: '', env, inCluster: { env, caFile: file('ca.crt'), tokenFile: file('sa-token') } });
    expect(client!.server).toBe(`https://127.0.0.1:${port}`);
    await client!.request('GET', '/api/v1/pods');
    expect(ipSeen.at(-1)!.headers.authorization).toBe('Bearer first');
    writeFileSync(file('sa-token'), 'second-after-rotation');
    await client!.request('GET', '/api/v1/pods');
    expect(ipSeen.at(-1)!.headers.authorization).toBe('Bearer second-after-rotation');
  });
});

describe('the same requests as client-node', () => {
  const seen: Seen[] = [];
  let server = '';
  beforeAll(async () => {
    server = `http://127.0.0.1:${await listen(createHttpServer(), seen)}/prefix/`;
  });

  async function both(kc: string): Promise<[Seen, Seen]> {
    const ours = await loadKubeClient({ kubeconfig: kc, env: {} });
    expect(via(ours)).toBe('own');
    await ours!.request('POST', '/api/v1/namespaces/a/events', { kind: 'Event' });
    const a = seen.at(-1)!;
    const theirs = await loadWithClientNode({ kubeconfig: kc, env: {} });
    await theirs.request('POST', '/api/v1/namespaces/a/events', { kind: 'Event' });
    return [a, seen.at(-1)!];
  }

  it.each([
    ['a token', { token: 'abc' }],
    ['a token file', { 'token-file': 'wire-token' }],
    ['basic auth', { username: 'admin', password: 'pässword' }],
    ['a token, impersonation', { token: 'abc', as: 'system:serviceaccount:kube-system:multus' }],
    ['no credentials', {}],
  ])('%s', async (_what, user) => {
    writeFileSync(file('wire-token'), 'from-file');
    // client-node reads token-file relative to the working directory, we from the kubeconfig's.
    const u = user['token-file' as keyof typeof user] ? { 'token-file': file('wire-token') } : user;
    const [ours, theirs] = await both(kubeconfig('wire', { server, 'insecure-skip-tls-verify': true }, u));
    expect(ours).toEqual(theirs);
    expect(ours.url).toBe('/prefix/api/v1/namespaces/a/events');
  });
});

describe('what whereabouts needs besides', () => {
  it('a PATCH names its media type; the user agent and the namespace of the context; both paths agree', async () => {
    const seen: Seen[] = [];
    const port = await listen(createHttpServer(), seen);
    const kc = file('ns-kubeconfig');
    writeFileSync(
      kc,
      JSON.stringify({
        clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'kube-system' } }],
        'current-context': 'x',
      }),
    );
    for (const client of [await loadKubeClient({ kubeconfig: kc, env: {}, userAgent: 'whereabouts-cni-ts', keepAlive: true }), await loadWithClientNode({ kubeconfig: kc, env: {}, userAgent: 'whereabouts-cni-ts' })]) {
      expect(client!.namespace).toBe('kube-system');
      await client!.request('PATCH', '/apis/x/v1/namespaces/kube-system/things/a', [{ op: 'test', path: '/a', value: null }], { contentType: 'application/json-patch+json' });
      expect(seen.at(-1)!.headers['content-type']).toBe('application/json-patch+json');
      expect(seen.at(-1)!.headers['user-agent']).toBe('whereabouts-cni-ts');
      await client!.request('GET', '/apis/x/v1/things?limit=500&labelSelector=a%3Db');
      expect(seen.at(-1)!.url).toBe('/apis/x/v1/things?limit=500&labelSelector=a%3Db');
    }
  });
});

describe('a caller\'s size budget (onData)', () => {
  it('sees every chunk; a throw drops the request at once with that error', async () => {
    const big = createHttpServer((_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ kind: 'X', metadata: { name: 'x' }, data: 'a'.repeat(4 << 20) }));
    });
    servers.push(big);
    await new Promise<void>((r) => big.listen(0, '127.0.0.1', r));
    const kc = kubeconfig('budget-kubeconfig', { server: `http://127.0.0.1:${(big.address() as AddressInfo).port}`, 'insecure-skip-tls-verify': true }, { token: 't' });
    const client = (await loadKubeClient({ kubeconfig: kc, env: {} }))!;
    let seen = 0;
    const whole = await client.request('GET', '/x', undefined, { onData: (n) => (seen += n) });
    expect(seen).toBeGreaterThan(4 << 20);
    expect((whole as { data: string }).data).toHaveLength(4 << 20);
    let got = 0;
    const limit = new Error('over budget');
    await expect(
      client.request('GET', '/x', undefined, {
        onData: (n) => {
          got += n;
          if (got > 100_000) throw limit;
        },
      }),
    ).rejects.toBe(limit);
    expect(got).toBeLessThan(1 << 20);
  });
});

describe('errors and fallback', () => {
  it('a missing kubeconfig: the message client-node gives', async () => {
    const src = { kubeconfig: file('missing'), env: {} };
    const ours = await loadKubeClient(src).catch((e: Error) => e.message);
    expect(ours).toBe(`GetK8sClient: failed to get context for the kubeconfig ${file('missing')}: ENOENT: no such file or directory, open '${file('missing')}'`);
    expect(await loadWithClientNode(src).catch((e: Error) => e.message)).toBe(ours);
  });

  it('plain http without insecure-skip-tls-verify is used as it is (client-go); client-node refuses it', async () => {
    const seen: Seen[] = [];
    const port = await listen(createHttpServer(), seen);
    const kc = kubeconfig('http-plain', { server: `http://127.0.0.1:${port}` }, { token: 't' });
    const ours = await loadKubeClient({ kubeconfig: kc, env: {} });
    await ours!.request('GET', '/api/v1/pods');
    expect(seen.at(-1)!.headers.authorization).toBe('Bearer t');
    const theirs = await loadWithClientNode({ kubeconfig: kc, env: {} });
    await expect(theirs.request('GET', '/api')).rejects.toThrow('HTTP protocol is not allowed when skipTLSVerify is not set or false');
  });

  it('an exec plugin goes to client-node; a file that is not YAML is clientcmd\'s error', async () => {
    const exec = await loadKubeClient({ kubeconfig: kubeconfig('exec', { server: 'https://127.0.0.1:1' }, { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'true' } }), env: {} });
    expect(via(exec)).toBe('client-node');
    writeFileSync(file('garbage'), 'clusters: [\n');
    await expect(loadKubeClient({ kubeconfig: file('garbage'), env: {} })).rejects.toThrow(/^GetK8sClient: failed to get context for the kubeconfig .*garbage: error loading config file/);
  });

  it('no current context: clientcmd\'s "no configuration has been provided"', async () => {
    writeFileSync(file('nocontext'), JSON.stringify({ clusters: [{ name: 'c', cluster: { server: 'https://a' } }], contexts: [{ name: 'x', context: { cluster: 'c' } }] }));
    await expect(loadKubeClient({ kubeconfig: file('nocontext'), env: {} })).rejects.toThrow(
      `GetK8sClient: failed to get context for the kubeconfig ${file('nocontext')}: invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable`,
    );
  });

  it('neither a kubeconfig nor the service variables: no client', async () => {
    expect(await loadKubeClient({ kubeconfig: '', env: {} })).toBeUndefined();
  });
});

describe('as a client-go rest client: retries and the rate limit', () => {
  /** A server answering each request with the next of `answers` ([status, headers]; then 200). */
  async function scripted(answers: [number, Record<string, string>][]): Promise<{ kc: string; times: number[] }> {
    const times: number[] = [];
    const srv = createHttpServer((req, res) => {
      times.push(performance.now());
      const [status, headers] = answers.shift() ?? [200, {}];
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
      res.end(JSON.stringify(status === 200 ? { kind: 'Pod', metadata: { name: 'p' } } : { kind: 'Status', code: status, message: `status ${status}`, reason: 'TooManyRequests' }));
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { kc: kubeconfig(`scripted-${times.length}-${Math.random()}`, { server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` }, {}), times };
  }

  it('a 429 or 503 with Retry-After is retried after that many seconds, any verb; without the header it fails at once', async () => {
    const { kc, times } = await scripted([[429, { 'Retry-After': '1' }], [503, { 'Retry-After': '0' }]]);
    const client = (await loadKubeClient({ kubeconfig: kc, env: {} }))!;
    expect(await client.request('PUT', '/api/v1/namespaces/a/pods/p/status', { kind: 'Pod' })).toMatchObject({ kind: 'Pod' });
    expect(times).toHaveLength(3);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(950);
    const once = await scripted([[429, {}]]);
    const c2 = (await loadKubeClient({ kubeconfig: once.kc, env: {} }))!;
    await expect(c2.request('GET', '/api/v1/pods')).rejects.toMatchObject({ status: 429 });
    expect(once.times).toHaveLength(1);
  });

  it('a Retry-After past the request\'s deadline is not waited for', async () => {
    const { kc, times } = await scripted([[503, { 'Retry-After': '30' }]]);
    const client = (await loadKubeClient({ kubeconfig: kc, env: {} }))!;
    await expect(client.request('GET', '/api/v1/pods', undefined, { timeoutMs: 2000 })).rejects.toMatchObject({ status: 503, retryAfterSeconds: 30 });
    expect(times).toHaveLength(1);
  });

  it('a GET whose connection is reset is retried; a POST is not', async () => {
    let n = 0;
    const srv = createHttpServer((req, res) => {
      n++;
      if (n === 1 || req.method === 'POST') return void req.socket.destroy();
      res.setHeader('Content-Type', 'application/json');
      res.end('{"kind":"Pod"}');
    });
    servers.push(srv);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const kc = kubeconfig('reset', { server: `http://127.0.0.1:${(srv.address() as AddressInfo).port}` }, {});
    const client = (await loadKubeClient({ kubeconfig: kc, env: {} }))!;
    expect(await client.request('GET', '/api/v1/pods')).toMatchObject({ kind: 'Pod' });
    expect(n).toBe(2);
    await expect(client.request('POST', '/api/v1/namespaces/a/events', {})).rejects.toBeInstanceOf(TransportError);
    expect(n).toBe(3);
  });

  it('QPS and burst: the first `burst` requests go at once, the rest at `qps` per second', async () => {
    const { kc, times } = await scripted([]);
    const client = (await loadKubeClient({ kubeconfig: kc, env: {}, rateLimit: { qps: 20, burst: 3 } }))!;
    const started = performance.now();
    await Promise.all(Array.from({ length: 7 }, () => client.request('GET', '/api/v1/pods')));
    // 3 at once, then 4 more 50 ms apart: the last one no sooner than 200 ms in.
    expect(times).toHaveLength(7);
    expect(times[6]! - started).toBeGreaterThanOrEqual(190);
    const limiter = new RateLimiter(50, 50);
    expect(Array.from({ length: 50 }, () => limiter.reserve(0)).every((ms) => ms === 0)).toBe(true);
    expect(limiter.reserve(0)).toBeCloseTo(20);
  });
});

describe('watch', () => {
  it('streams events from a resourceVersion; a too-old one gets the 410 ERROR event (stand-in API server)', async () => {
    const { startStub, writeKubeconfig } = await import('../../../e2e/src/k8s-stub/index');
    const stub = await startStub();
    try {
      const kc = writeKubeconfig(file('watch-kubeconfig'), { server: stub.url });
      const client = (await loadKubeClient({ kubeconfig: kc, env: {} }))!;
      stub.put('pods', { metadata: { name: 'a', namespace: 'w' }, spec: {} });
      const from = stub.resourceVersion;
      const events: string[] = [];
      let seen!: () => void;
      const two = new Promise<void>((r) => (seen = r));
      const w = await client.watch(`/api/v1/namespaces/w/pods?watch=true&resourceVersion=${from}`, (e) => {
        events.push(`${e.type} ${e.object.metadata?.name}`);
        if (events.length === 2) seen();
      });
      stub.put('pods', { metadata: { name: 'b', namespace: 'w' }, spec: {} });
      stub.delete('pods', 'w', 'a');
      await two;
      w.stop();
      await w.done;
      expect(events).toEqual(['ADDED b', 'DELETED a']);
      stub.compact();
      const gone: string[] = [];
      const old = await client.watch(`/api/v1/namespaces/w/pods?watch=true&resourceVersion=${from}`, (e) => gone.push(`${e.type} ${(e.object as { code?: number }).code}`));
      await old.done;
      expect(gone).toEqual(['ERROR 410']);
      await expect(client.watch('/api/v1/namespaces/w/pods?watch=true&labelSelector=%3D%3D', () => undefined)).rejects.toThrow(/unable to parse requirement/);
    } finally {
      await stub.close();
    }
  });
});
