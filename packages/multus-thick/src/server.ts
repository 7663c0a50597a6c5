// The multus daemon's HTTP server: /cni, /delegate, /healthz, /readyz (and /metrics) on a
// root-only unix socket, keep-alive off as upstream; optional TCP metrics listener.
// Shutdown: /readyz answers 500 at once, the listener closes (no new connections), requests
// in flight finish, then the returned promise resolves.
import { chmodSync } from 'node:fs';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

// node:http through getBuiltinModule, not an ES import: an ES namespace of node:http evaluates
// its lazy exports (undici among them), ~14 MiB of RSS a daemon never uses.
const { createServer } = process.getBuiltinModule('node:http');
import type { Plugin } from '@cni-ts/cni';
import type { DaemonConfig } from './daemon-config';
import { serveCni, serveDelegate, type Answer, type HandlerContext } from './handler';
import { Metrics } from './metrics';
import { prepareSocketDir } from './socket';

export interface DaemonOptions {
  plugin: Plugin;
  config: DaemonConfig;
  /** daemon-config.json as written (the overlay source). */
  raw: Record<string, unknown>;
  /** Called with a line for each served CNI request (default: nothing). */
  log?: (line: string) => void;
}

export interface Daemon {
  readonly socket: string;
  readonly metrics: Metrics;
  /** The TCP metrics port actually bound (when metricsPort was set). */
  readonly metricsPort?: number;
  /** Stop accepting, let in-flight requests finish (bounded by shutdownTimeoutMs), close. */
  shutdown(): Promise<void>;
}

const MAX_BODY = 4 << 20;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, a: Pick<Answer, 'status' | 'body' | 'contentType'>): void {
  res.writeHead(a.status, { 'Content-Type': a.contentType, 'Content-Length': Buffer.byteLength(a.body), Connection: 'close' });
  res.end(a.body);
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const metrics = new Metrics();
  const ctx: HandlerContext = { plugin: opts.plugin, config: opts.config, raw: opts.raw };
  let stopping = false;
  const inflight = new Set<Promise<unknown>>();

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
      const body = await readBody(req);
      const answer = await (route === '/cni' ? serveCni(ctx, body) : serveDelegate(ctx, body));
      metrics.observe(answer.command ?? 'unknown', answer.status === 200 ? 'success' : 'error', (performance.now() - started) / 1000);
      opts.log?.(`${route} ${answer.command ?? '?'} -> ${answer.status}${answer.status === 200 ? '' : `: ${answer.body.trim()}`}`);
      reply(answer);
    } finally {
      metrics.inflight--;
    }
  }

  const server: Server = createServer((req, res) => {
    const p = handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) send(res, { status: 500, body: `${(err as Error).message}\n`, contentType: 'text/plain; charset=utf-8' });
    });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  });
  server.keepAliveTimeout = 0;
  if (opts.config.connectionLimit) server.maxConnections = opts.config.connectionLimit;

  const socket = prepareSocketDir(opts.config.socketDir);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Bind with a restrictive umask window: the socket is 0600 before anyone can connect.
    const old = process.umask(0o177);
    try {
      server.listen(socket, () => resolve());
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
        const closed = new Promise<void>((r) => server.close(() => r()));
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
