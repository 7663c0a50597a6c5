// An etcd v3 client over etcd's JSON gateway (the gRPC API as JSON over HTTP/1.1 on the client
// port, `/v3/kv/range`, `/v3/kv/txn`, ...): plain node:http(s), no gRPC stack to load, so a
// plugin exec stays light (README: why not the `etcd3` package). Several endpoints: requests go
// to one, and an endpoint that cannot be reached (refused, reset, dial timeout) is skipped for
// a while and the next one tried. TLS with a client certificate, and user/password auth (a
// token per endpoint: simple tokens are not shared between members).
import { readFileSync } from 'node:fs';
import type { Agent as HttpAgent } from 'node:http';

export interface EtcdClientOptions {
  /** `host:port` or URLs; https when TLS files are given and no scheme is. */
  endpoints: string[];
  username?: string;
  password?: string;
  caFile?: string;
  certFile?: string;
  keyFile?: string;
  /** Deadline of one request (default 10 s). */
  requestTimeoutMs?: number;
  /** How long connecting may take before the endpoint counts as down (whereabouts' DialTimeout: 2 s). */
  dialTimeoutMs?: number;
}

export interface KeyValue {
  key: string;
  value: string;
  createRevision: string;
  modRevision: string;
  version: string;
}

export type Compare =
  | { key: string; target: 'CREATE'; result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'; createRevision: string }
  | { key: string; target: 'MOD'; result: 'EQUAL' | 'GREATER' | 'LESS' | 'NOT_EQUAL'; modRevision: string }
  | { key: string; target: 'VALUE'; result: 'EQUAL' | 'NOT_EQUAL'; value: string };

export type Op = { put: { key: string; value: string } } | { range: { key: string; prefix?: boolean } } | { delete: { key: string; prefix?: boolean } };

export interface TxnResult {
  succeeded: boolean;
  revision: string;
  /** Per op: the key-values of a range, [] for put and delete. */
  responses: KeyValue[][];
}

/** No endpoint answered: each one's reason. */
export class EtcdUnavailableError extends Error {
  readonly reasons: string[];
  constructor(reasons: string[]) {
    super(`etcd: no endpoint reachable (${reasons.join('; ')})`);
    this.name = 'EtcdUnavailableError';
    this.reasons = reasons;
  }
}

/** An answer of etcd itself (gRPC status code and message). */
export class EtcdError extends Error {
  readonly code: number;
  constructor(code: number, message: string) {
    super(`etcd: ${message}`);
    this.name = 'EtcdError';
    this.code = code;
  }
  /** Unavailable (14), DeadlineExceeded (4), Aborted (10): "no leader", "leader changed", "request timed out". */
  get transient(): boolean {
    return [4, 10, 14].includes(this.code);
  }
}

const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** The key just past every key with this prefix (clientv3.GetPrefixRangeEnd). */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if (bytes[i]! < 0xff) {
      const end = Buffer.from(bytes.subarray(0, i + 1));
      end[i]!++;
      return end.toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}

interface Endpoint {
  url: URL;
  /** Not tried again before (ms since the epoch), after it could not be reached. */
  downUntil: number;
  token?: string;
  agent?: HttpAgent;
}

type Wire = Record<string, unknown>;

const CONNECT_ERRORS = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

/** A request that reached no server (or lost its connection): try another endpoint. */
class Unreachable extends Error {}

export class EtcdClient {
  readonly #eps: Endpoint[];
  readonly #opts: EtcdClientOptions;
  #next = 0;

  constructor(opts: EtcdClientOptions) {
    if (opts.endpoints.length === 0) throw new Error('etcd: no endpoint');
    this.#opts = opts;
    const tls = !!(opts.caFile || opts.certFile || opts.keyFile);
    this.#eps = opts.endpoints.map((e) => ({ url: new URL(/^[a-z]+:\/\//.test(e) ? e : `${tls ? 'https' : 'http'}://${e}`), downUntil: 0 }));
    // Spread the clients of many processes over the members.
    this.#next = Math.floor(Math.random() * this.#eps.length);
  }

  close(): void {
    for (const ep of this.#eps) ep.agent?.destroy();
  }

  async #agent(ep: Endpoint): Promise<HttpAgent> {
    if (ep.agent) return ep.agent;
    if (ep.url.protocol === 'https:') {
      const { Agent } = await import('node:https');
      const o = this.#opts;
      ep.agent = new Agent({
        keepAlive: true,
        ca: o.caFile ? readFileSync(o.caFile) : undefined,
        cert: o.certFile ? readFileSync(o.certFile) : undefined,
        key: o.keyFile ? readFileSync(o.keyFile) : undefined,
      }) as unknown as HttpAgent;
    } else {
      const { Agent } = await import('node:http');
      ep.agent = new Agent({ keepAlive: true });
    }
    return ep.agent;
  }

  async #post(ep: Endpoint, path: string, body: Wire, auth: boolean): Promise<Wire> {
    const agent = await this.#agent(ep);
    const mod = ep.url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    const payload = Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) };
    if (auth && ep.token) headers.Authorization = ep.token;
    const timeout = this.#opts.requestTimeoutMs ?? 10_000;
    const dial = this.#opts.dialTimeoutMs ?? 2_000;
    return new Promise<Wire>((resolve, reject) => {
      const url = new URL(`${ep.url.pathname.replace(/\/$/, '')}${path}`, ep.url);
      let connected = false;
      const req = mod.request(url, { method: 'POST', agent: agent as never, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => reject(new Unreachable(`${ep.url.host}: ${err.message}`)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Wire;
          try {
            json = JSON.parse(text) as Wire;
          } catch {
            return reject(new EtcdError(2, `${ep.url.host}: HTTP ${res.statusCode}: ${text.trim().slice(0, 200)}`));
          }
          if (res.statusCode !== 200 || json.error !== undefined || (json.code !== undefined && json.header === undefined)) {
            return reject(new EtcdError(Number(json.code ?? 2), String(json.message ?? json.error ?? `HTTP ${res.statusCode}`)));
          }
          resolve(json);
        });
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(connected ? `no answer within ${timeout} ms` : `could not connect within ${dial} ms`), { code: 'ETIMEDOUT' })), timeout);
      req.on('socket', (s) => {
        const onConnect = () => {
          connected = true;
          clearTimeout(dialTimer);
        };
        const dialTimer = setTimeout(() => {
          if (!connected) req.destroy(Object.assign(new Error(`could not connect within ${dial} ms`), { code: 'ETIMEDOUT' }));
        }, dial);
        if ((s as { connecting?: boolean }).connecting) s.once(ep.url.protocol === 'https:' ? 'secureConnect' : 'connect', onConnect);
        else onConnect();
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        if (CONNECT_ERRORS.has(err.code ?? '') || !connected) reject(new Unreachable(`${ep.url.host}: ${err.message}`));
        else reject(err);
      });
      req.end(payload);
    });
  }

  async #authenticate(ep: Endpoint): Promise<void> {
    const r = await this.#post(ep, '/v3/auth/authenticate', { name: this.#opts.username, password: this.#opts.password ?? '' }, false);
    ep.token = String(r.token ?? '');
  }

  /** One call, on the first endpoint that answers; an unreachable one is skipped for 5 s. */
  async call(path: string, body: Wire): Promise<Wire> {
    const reasons: string[] = [];
    const now = Date.now();
    const order = this.#eps.map((_, i) => this.#eps[(this.#next + i) % this.#eps.length]!);
    // Endpoints marked down go last, not never: they may be back.
    const tries = [...order.filter((e) => e.downUntil <= now), ...order.filter((e) => e.downUntil > now)];
    for (const ep of tries) {
      try {
        if (this.#opts.username && !ep.token) await this.#authenticate(ep);
        try {
          return await this.#post(ep, path, body, true);
        } catch (err) {
          // An expired or unknown token (another member's, or after a restart): once more with a new one.
          if (err instanceof EtcdError && err.code === 16 && this.#opts.username) {
            await this.#authenticate(ep);
            return await this.#post(ep, path, body, true);
          }
          throw err;
        }
      } catch (err) {
        if (err instanceof Unreachable || (err instanceof EtcdError && err.transient)) {
          reasons.push(err.message);
          if (err instanceof Unreachable) ep.downUntil = Date.now() + 5_000;
          this.#next = (this.#eps.indexOf(ep) + 1) % this.#eps.length;
          continue;
        }
        throw err;
      }
    }
    throw new EtcdUnavailableError(reasons);
  }

  /** KV.Range of one key or of a prefix (linearizable). */
  async range(key: string, prefix = false): Promise<KeyValue[]> {
    const r = await this.call('/v3/kv/range', { key: b64(key), ...(prefix ? { range_end: prefixEnd(key) } : {}) });
    return kvs(r.kvs);
  }

  /** KV.Txn. */
  async txn(compare: Compare[], success: Op[], failure: Op[] = []): Promise<TxnResult> {
    const r = await this.call('/v3/kv/txn', { compare: compare.map(wireCompare), success: success.map(wireOp), failure: failure.map(wireOp) });
    const responses = ((r.responses ?? []) as Wire[]).map((x) => kvs((x.response_range as Wire | undefined)?.kvs));
    return { succeeded: r.succeeded === true, revision: String((r.header as Wire | undefined)?.revision ?? '0'), responses };
  }
}

function kvs(list: unknown): KeyValue[] {
  return ((list ?? []) as Wire[]).map((kv) => ({
    key: unb64(kv.key as string),
    value: unb64(kv.value as string),
    createRevision: String(kv.create_revision ?? '0'),
    modRevision: String(kv.mod_revision ?? '0'),
    version: String(kv.version ?? '0'),
  }));
}

function wireCompare(c: Compare): Wire {
  const base = { key: b64(c.key), target: c.target, result: c.result };
  if (c.target === 'CREATE') return { ...base, create_revision: c.createRevision };
  if (c.target === 'MOD') return { ...base, mod_revision: c.modRevision };
  return { ...base, value: b64(c.value) };
}

function wireOp(op: Op): Wire {
  if ('put' in op) return { request_put: { key: b64(op.put.key), value: b64(op.put.value) } };
  if ('range' in op) return { request_range: { key: b64(op.range.key), ...(op.range.prefix ? { range_end: prefixEnd(op.range.key) } : {}) } };
  return { request_delete_range: { key: b64(op.delete.key), ...(op.delete.prefix ? { range_end: prefixEnd(op.delete.key) } : {}) } };
}
