// The multus daemon's HTTP server: /cni, /delegate, /healthz, /readyz (and /metrics) on a
// root-only unix socket, keep-alive off as upstream; optional TCP metrics listener.
// One daemon serves every pod of the node, so no request may hold it hostage (issue 18):
// delegates run asynchronously under a deadline (delegateTimeoutMs), the requests of one
// sandbox run one at a time (an ADD, its DEL and a retried ADD never overlap), a request whose
// client went away is cancelled and a completed ADD of it undone, bodies larger than
// maxRequestBytes get a 400. Shutdown: /readyz answers 500 at once, the listener closes (no
// new connections), requests in flight finish, then the returned promise resolves.
import { chmodSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

// node:http through getBuiltinModule, not an ES import: an ES namespace of node:http evaluates
// its lazy exports (undici among them), ~14 MiB of RSS a daemon never uses.
const { createServer } = process.getBuiltinModule('node:http');
import type { Plugin } from '@cni-ts/cni';
import type { DaemonConfig } from './daemon-config';
import { decodeRequest } from './api';
import { serveCni, serveDelegate, type Answer, type DecodedRequest, type HandlerContext } from './handler';
import { Metrics } from './metrics';
import { limitListener } from './limit';
import { prepareSocket } from './socket';

export interface DaemonOptions {
  plugin: Plugin;
  config: DaemonConfig;
  /** daemon-config.json as written (the overlay source). */
  raw: Record<string, unknown>;
  /** Called with a line for each served CNI request (default: nothing). */
  log?: (line: string) => void;
  /** A request's stderr (Multus's log lines, its delegates' stderr): into the daemon's log (default: dropped). */
  onStderr?: (text: string) => void;
}

export interface Daemon {
  readonly socket: string;
  readonly metrics: Metrics;
  /** The TCP metrics port actually bound (when metricsPort was set). */
  readonly metricsPort?: number;
  /** Stop accepting, let in-flight requests finish (bounded by shutdownTimeoutMs), close. */
  shutdown(): Promise<void>;
}

/**
 * The body, or its size when it is larger than `limit`: nothing past the limit is kept (the
 * rest is read and dropped, so the client still reads the 400). A declared Content-Length over
 * the limit is refused before anything is read.
 */
function readBody(req: IncomingMessage, limit: number): Promise<{ text: string } | { tooLarge: number }> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? NaN);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = declared > limit;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (!over && size <= limit) return void chunks.push(c);
      over = true;
      chunks.length = 0;
    });
    req.on('end', () => resolve(over ? { tooLarge: declared > limit ? declared : size } : { text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
    // A client gone before its body was complete: nothing to serve.
    req.on('close', () => {
      if (!req.complete) reject(new Error('the client went away before its request was complete'));
    });
  });
}

/** Runs the work of one key (a sandbox) one at a time, in arrival order; other keys run freely. */
export class KeyedQueue {
  readonly #tails = new Map<string, Promise<void>>();

  /** How many keys have work queued or running (tests, metrics). */
  get size(): number {
    return this.#tails.size;
  }

  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    let done!: () => void;
    const tail = prev.then(() => new Promise<void>((r) => (done = r)));
    this.#tails.set(key, tail);
    await prev;
    try {
      return await fn();
    } finally {
      done();
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/** The sandbox a request works on (CNI_CONTAINERID); undefined for GC, STATUS and bodies that do not decode. */
function sandboxOf(req: DecodedRequest | undefined): string | undefined {
  const cmd = req?.env.CNI_COMMAND;
  if (!req || cmd === 'GC' || cmd === 'STATUS') return undefined;
  return req.env.CNI_CONTAINERID || undefined;
}

function send(res: ServerResponse, a: Pick<Answer, 'status' | 'body' | 'contentType'>): void {
  res.writeHead(a.status, { 'Content-Type': a.contentType, 'Content-Length': Buffer.byteLength(a.body), Connection: 'close' });
  res.end(a.body);
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const metrics = new Metrics();
  const ctx: HandlerContext = { plugin: opts.plugin, config: opts.config, raw: opts.raw, ...(opts.onStderr ? { onStderr: opts.onStderr } : {}) };
  let stopping = false;
  const inflight = new Set<Promise<unknown>>();
  const sandboxes = new KeyedQueue();
  const log = opts.log ?? (() => {});

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://dummy');
    const method = req.method ?? 'GET';
    const route = url.pathname;
    const known = ['/cni', '/delegate', '/healthz', '/readyz', '/metrics'];
    const handler = known.includes(route) ? route : 'NotFound';
    const reply = (a: Pick<Answer, 'status' | 'body' | 'contentType'>) => {
      metrics.countRequest(handler, a.status, method);
      send(res, a);
    };
    if (handler === 'NotFound') return reply({ status: 404, body: '404 page not found\n', contentType: 'text/plain; charset=utf-8' });
    const post = route === '/cni' || route === '/delegate';
    if (post ? method !== 'POST' : method !== 'GET' && method !== 'POST') {
      return reply({ status: 405, body: 'Method not allowed\n', contentType: 'text/plain; charset=utf-8' });
    }
    if (route === '/healthz') return reply({ status: 200, body: '', contentType: 'text/plain' });
    if (route === '/readyz') return reply({ status: stopping ? 500 : 200, body: '', contentType: 'text/plain' });
    if (route === '/metrics') return reply({ status: 200, body: metrics.text(), contentType: 'text/plain; version=0.0.4; charset=utf-8' });
    const started = performance.now();
    metrics.inflight++;
    try {
      const read = await readBody(req, opts.config.maxRequestBytes);
      if ('tooLarge' in read) {
        const msg = `request body of ${read.tooLarge} bytes is larger than maxRequestBytes (${opts.config.maxRequestBytes})`;
        log(`${route} -> 400: ${msg}`);
        return reply({ status: 400, body: JSON.stringify({ code: 7, msg }), contentType: 'application/json' });
      }
      const answer = await serve(route, read.text, res);
      if (!answer) return; // the client went away before it started: nothing was done, nobody to tell
      metrics.observe(answer.command ?? 'unknown', answer.status === 200 ? 'success' : 'error', (performance.now() - started) / 1000);
      log(`${route} ${answer.command ?? '?'} -> ${answer.status}${answer.status === 200 ? '' : `: ${answer.body.trim()}`}`);
      if (!res.destroyed) reply(answer);
    } finally {
      metrics.inflight--;
    }
  }

  /**
   * One /cni or /delegate request, in its sandbox's queue. ADD and CHECK are cancelled when the
   * client goes away or delegateTimeoutMs passes; an ADD that completed for a client that left
   * is undone with a DEL before the sandbox's next request runs. DEL always runs to the end.
   */
  async function serve(route: string, body: string, res: ServerResponse): Promise<Answer | undefined> {
    let decoded: DecodedRequest | undefined;
    try {
      decoded = decodeRequest(body);
    } catch {
      decoded = undefined; // the handler answers with the decode error
    }
    const run = (r: DecodedRequest | string, signal?: AbortSignal) => (route === '/cni' ? serveCni(ctx, r, signal) : serveDelegate(ctx, r, signal));
    const command = decoded?.env.CNI_COMMAND ?? '';
    const key = sandboxOf(decoded);
    const gone = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) gone.abort('the client went away');
    });
    const work = async (): Promise<Answer | undefined> => {
      if (!decoded) return run(body);
      const cancellable = command !== 'DEL';
      if (cancellable && gone.signal.aborted) {
        log(`${route} ${command} ${key ?? ''}: the client went away before it started; not run`);
        return undefined;
      }
      if (!cancellable) return run(decoded);
      const limit = opts.config.delegateTimeoutMs;
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(`no answer within delegateTimeoutMs (${limit} ms)`), limit);
      let answer: Answer;
      try {
        answer = await run(decoded, AbortSignal.any([gone.signal, deadline.signal]));
      } finally {
        clearTimeout(timer);
      }
      if (command === 'ADD' && answer.status === 200 && gone.signal.aborted) {
        // Nobody received the result: the runtime counts the ADD as failed. Undo it now, before
        // the sandbox's next request (the runtime's DEL, or a retried ADD) can run.
        const undo = await run({ ...decoded, env: { ...decoded.env, CNI_COMMAND: 'DEL' } });
        log(`${route} ADD ${key ?? ''}: the client went away; undone with DEL -> ${undo.status}${undo.status === 200 ? '' : `: ${undo.body.trim()}`}`);
      }
      return answer;
    };
    return key === undefined ? work() : sandboxes.run(key, work);
  }

  const server: Server = createServer((req, res) => {
    const p = handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: `${(err as Error).message}\n`, contentType: 'text/plain; charset=utf-8' });
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  server.keepAliveTimeout = 0;
  const limit = opts.config.connectionLimit;
  if (limit !== undefined && !(limit > 0)) throw new Error(`connection limit must be greater than 0, got ${limit}`);
  const gate = limitListener(server, limit ?? Infinity);
  const listener = gate.listener;

  const socket = prepareSocket(opts.config.socketDir);
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    // Bind with a restrictive umask window: the socket is 0600 before anyone can connect.
    const old = process.umask(0o177);
    try {
      listener.listen(socket, () => resolve());
    } finally {
      process.umask(old);
    }
  });
  chmodSync(socket, 0o600);

  let metricsServer: Server | undefined;
  let metricsPort: number | undefined;
  if (opts.config.metricsPort !== undefined) {
    metricsServer = createServer((req, res) => {
      if (req.url === '/metrics' && req.method === 'GET') send(res, { status: 200, body: metrics.text(), contentType: 'text/plain; version=0.0.4; charset=utf-8' });
      else send(res, { status: 404, body: '404 page not found\n', contentType: 'text/plain; charset=utf-8' });
    });
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', reject);
      metricsServer!.listen(opts.config.metricsPort, () => resolve());
    });
    metricsPort = (metricsServer.address() as { port: number }).port;
  }

  let closing: Promise<void> | undefined;
  return {
    socket,
    metrics,
    metricsPort,
    shutdown() {
      if (closing) return closing;
      stopping = true;
      closing = (async () => {
        const closed = new Promise<void>((r) => listener.close(() => r()));
        const drained = Promise.allSettled(inflight);
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<void>((r) => (timer = setTimeout(r, opts.config.shutdownTimeoutMs)));
        await Promise.race([drained, limit]);
        clearTimeout(timer);
        server.closeAllConnections();
        await closed;
        if (metricsServer) await new Promise<void>((r) => metricsServer!.close(() => r()));
      })();
      return closing;
    },
  };
}
