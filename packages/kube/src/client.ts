// The Kubernetes API as Multus and whereabouts use it: raw JSON in and out, so that an object
// written back keeps every field we do not know. Connection and credentials come from our own
// kubeconfig reader (kubeconfig.ts, client-go's rules) and in-cluster configuration
// (incluster.ts); exec and auth-provider plugins and proxies go to @kubernetes/client-node's
// KubeConfig, imported only then: it costs hundreds of milliseconds and ~20 MiB of heap (~130
// MiB RSS for a thin exec). Like a client-go rest client: a client-side rate limit (Multus's
// QPS 50, burst 50), and retries: an answer 429 or 5xx with Retry-After is retried after that
// many seconds (any verb: the server did not act on it), a GET whose connection broke (reset,
// EOF) is retried at once and then with a short backoff, all within the request's deadline.
import type { RequestOptions as HttpsRequestOptions } from 'node:https';
import { ConnectionOptions, type Connection } from './connection';
import { ApiError, transportError, TransportError } from './errors';
import { inClusterConnection, type InClusterPaths } from './incluster';
import { readKubeconfig } from './kubeconfig';
import { MULTUS_BURST, MULTUS_QPS, RateLimiter } from './ratelimit';

export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
};

export interface RequestOptions {
  /** Per-request deadline in milliseconds (default 30 s). */
  timeoutMs?: number;
  /**
   * Told the size of each chunk of the response body as it arrives; when it throws, the
   * request is dropped at once and fails with that error (a caller's size budget: nothing
   * bigger than it is ever buffered).
   */
  onData?: (bytes: number) => void;
  /** The body's media type (default application/json; a PATCH names its patch format here). */
  contentType?: string;
  /** Retries after Retry-After answers and broken GET connections (default 10, client-go's maxRetries; 0 = none). */
  maxRetries?: number;
}

/** One event of a watch: ADDED, MODIFIED, DELETED, BOOKMARK, or ERROR (a Status, e.g. 410 Expired). */
export interface WatchEvent {
  type: string;
  object: KubeObject;
}

export interface Watch {
  /** Settles when the stream ends (the server's timeoutSeconds, stop(), a dropped connection). */
  done: Promise<void>;
  stop(): void;
}

export interface WatchOptions {
  /**
   * End the stream when nothing arrived for this long (a silent, half-dead connection); none by
   * default. Pass more than the server's timeoutSeconds: a quiet resource sends nothing until then.
   */
  idleTimeoutMs?: number;
}

export interface KubeClient {
  /** Where requests go (for messages). */
  readonly server: string;
  /** The current context's namespace (in-cluster: the service account's); undefined when none is set. */
  readonly namespace?: string;
  request(method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<KubeObject>;
  /**
   * A watch (`path` carries `?watch=true&resourceVersion=...`): each event as it arrives. Rejects
   * when the server refuses it; `done` settles when the stream ends.
   */
  watch(path: string, onEvent: (e: WatchEvent) => void, opts?: WatchOptions): Promise<Watch>;
  /** Closes kept-alive connections (a daemon that stops). */
  close?(): void;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** client-go's maxRetries of a request. */
const MAX_RETRIES = 10;

let loading: Promise<typeof import('@kubernetes/client-node')> | undefined;
/** Milliseconds the last (first) import of client-node took, for diagnostics. */
export let clientNodeImportMs = 0;

async function clientNode(): Promise<typeof import('@kubernetes/client-node')> {
  if (!loading) {
    const started = performance.now();
    loading = import('@kubernetes/client-node').then((m) => {
      clientNodeImportMs = Math.round(performance.now() - started);
      return m;
    });
  }
  return loading;
}

export interface ClientSource {
  /** Path of a kubeconfig file ("" = in-cluster when the service variables are set). */
  kubeconfig: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The service account's files and the service address for the in-cluster configuration (tests). */
  inCluster?: InClusterPaths & { env?: Readonly<Record<string, string | undefined>> };
  /** The User-Agent header (default multus-cni-ts). */
  userAgent?: string;
  /** Reuse connections across requests (default: a connection per request). */
  keepAlive?: boolean;
  /** Client-side rate limit (default Multus's: QPS 50, burst 50); `false` for none. */
  rateLimit?: { qps: number; burst: number } | false;
}

const contextError = (src: ClientSource, err: unknown) =>
  new Error(`GetK8sClient: failed to get context for ${src.kubeconfig ? `the kubeconfig ${src.kubeconfig}` : 'in-cluster kube config'}: ${(err as Error).message}`, { cause: err });

/** GetK8sClient: undefined when there is neither a kubeconfig nor an in-cluster environment. */
export async function loadKubeClient(src: ClientSource): Promise<KubeClient | undefined> {
  if (!src.kubeconfig && !(src.env.KUBERNETES_SERVICE_HOST && src.env.KUBERNETES_SERVICE_PORT)) return undefined;
  let conn: Connection | undefined;
  if (!src.kubeconfig) {
    // The service address comes from the process environment, as client-node's loadFromCluster
    // (and client-go's InClusterConfig) take it.
    conn = inClusterConnection(src.inCluster?.env ?? process.env, src.inCluster);
  } else {
    try {
      conn = await readKubeconfig(src.kubeconfig);
    } catch (err) {
      throw contextError(src, err);
    }
  }
  if (conn) return clientForConnection(conn, src);
  return loadWithClientNode(src);
}

/** A client for a resolved connection (the per-node certificate's client is made this way). */
export function clientForConnection(conn: Connection, src: Pick<ClientSource, 'keepAlive' | 'userAgent' | 'rateLimit'> = {}): KubeClient & { close(): void } {
  const opts = new ConnectionOptions(conn, { keepAlive: src.keepAlive });
  return new HttpKubeClient(conn.server, (o) => opts.apply(o), 'own', limiterFor(src), src.userAgent, conn.namespace, () => opts.close());
}

function limiterFor(src: Pick<ClientSource, 'rateLimit'>): RateLimiter | undefined {
  if (src.rateLimit === false) return undefined;
  return new RateLimiter(src.rateLimit?.qps ?? MULTUS_QPS, src.rateLimit?.burst ?? MULTUS_BURST);
}

/** The fallback (exported for the tests that compare both paths). */
export async function loadWithClientNode(src: ClientSource): Promise<KubeClient> {
  const { KubeConfig } = await clientNode();
  const kc = new KubeConfig();
  try {
    if (src.kubeconfig) kc.loadFromFile(src.kubeconfig);
    else kc.loadFromCluster();
  } catch (err) {
    throw contextError(src, err);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`GetK8sClient: failed to get context for the kubeconfig ${src.kubeconfig}: no current cluster`);
  const namespace = kc.getContextObject(kc.getCurrentContext())?.namespace;
  return new HttpKubeClient(cluster.server, (o) => kc.applyToHTTPSOptions(o), 'client-node', limiterFor(src), src.userAgent, namespace || undefined);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Connection failures a GET is retried on (client-go: IsConnectionReset, IsProbableEOF). */
const BROKEN = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED']);

/** How long to wait before attempt `attempt + 1`, or undefined when the failure is final. */
function retryDelay(err: unknown, method: string, attempt: number): number | undefined {
  if (err instanceof ApiError) {
    if ((err.status === 429 || err.status >= 500) && err.retryAfterSeconds !== undefined) return err.retryAfterSeconds * 1000;
    return undefined;
  }
  if (err instanceof TransportError && method === 'GET' && BROKEN.has(err.code)) return attempt === 0 ? 0 : Math.min(100 * 2 ** (attempt - 1), 1000);
  return undefined;
}

type Apply = (opts: HttpsRequestOptions) => Promise<void>;

class HttpKubeClient implements KubeClient {
  readonly server: string;
  readonly namespace?: string;
  readonly #apply: Apply;
  readonly #userAgent: string;
  readonly #limiter: RateLimiter | undefined;
  readonly #close: () => void;
  /** Which path made this client (tests). */
  readonly via: 'own' | 'client-node';
  constructor(server: string, apply: Apply, via: 'own' | 'client-node', limiter: RateLimiter | undefined, userAgent = 'multus-cni-ts', namespace?: string, close = () => {}) {
    this.server = server;
    this.#apply = apply;
    this.via = via;
    this.#limiter = limiter;
    this.#userAgent = userAgent;
    this.namespace = namespace;
    this.#close = close;
  }

  /** Closes kept-alive connections. */
  close(): void {
    this.#close();
  }

  #url(path: string): URL {
    const url = new URL(path, this.server.endsWith('/') ? this.server : `${this.server}/`);
    // The server may carry a path prefix (a proxy); keep it. A query (`?limit=500`) stays a query.
    const q = path.indexOf('?');
    url.pathname = `${new URL(this.server).pathname.replace(/\/$/, '')}${q < 0 ? path : path.slice(0, q)}`;
    url.search = q < 0 ? '' : path.slice(q);
    return url;
  }

  async watch(path: string, onEvent: (e: WatchEvent) => void, opts: WatchOptions = {}): Promise<Watch> {
    await this.#limiter?.wait();
    const url = this.#url(path);
    const options: HttpsRequestOptions = { method: 'GET', headers: {} };
    await this.#apply(options);
    options.headers = { ...(options.headers as Record<string, string>), Accept: 'application/json', 'User-Agent': this.#userAgent };
    const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return new Promise<Watch>((resolve, reject) => {
      const req = mod.request(url, options, (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            reject(new ApiError(status, json, text, 'GET', url.href, res.headers['retry-after']));
          });
          return;
        }
        let buf = '';
        let idle: NodeJS.Timeout | undefined;
        const quiet = () => {
          clearTimeout(idle);
          if (opts.idleTimeoutMs) idle = setTimeout(() => req.destroy(), opts.idleTimeoutMs);
        };
        quiet();
        const done = new Promise<void>((end) => {
          res.on('data', (c: Buffer) => {
            quiet();
            buf += c.toString('utf8');
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl).trim();
              buf = buf.slice(nl + 1);
              if (!line) continue;
              try {
                onEvent(JSON.parse(line) as WatchEvent);
              } catch {
                // a line that is not an event: skipped
              }
            }
          });
          res.on('end', () => end());
          res.on('close', () => end());
          res.on('error', () => end());
        }).finally(() => clearTimeout(idle));
        resolve({ done, stop: () => req.destroy() });
      });
      req.on('error', (err) => reject(transportError('GET', url.href, err)));
      req.end();
    });
  }

  async request(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<KubeObject> {
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const deadline = Date.now() + timeoutMs;
    const maxRetries = opts.maxRetries ?? MAX_RETRIES;
    for (let attempt = 0; ; attempt++) {
      await this.#limiter?.wait();
      try {
        return await this.#once(method, path, body, opts, Math.max(1, deadline - Date.now()));
      } catch (err) {
        const wait = attempt < maxRetries ? retryDelay(err, method, attempt) : undefined;
        if (wait === undefined || Date.now() + wait >= deadline) throw err;
        if (wait > 0) await sleep(wait);
      }
    }
  }

  async #once(method: string, path: string, body: unknown, opts: RequestOptions, timeoutMs: number): Promise<KubeObject> {
    const url = this.#url(path);
    const options: HttpsRequestOptions = { method, headers: {} };
    await this.#apply(options);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    options.headers = {
      ...(options.headers as Record<string, string>),
      Accept: 'application/json',
      'User-Agent': this.#userAgent,
      ...(payload ? { 'Content-Type': opts.contentType ?? 'application/json', 'Content-Length': String(payload.length) } : {}),
    };
    const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    return new Promise<KubeObject>((resolve, reject) => {
      const req = mod.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => {
          try {
            opts.onData?.(c.length);
          } catch (err) {
            clearTimeout(timer);
            chunks.length = 0;
            reject(err);
            req.destroy();
            return;
          }
          chunks.push(c);
        });
        res.on('error', (err) => reject(transportError(method, url.href, err)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : {};
          } catch {
            json = undefined;
          }
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300 && json && typeof json === 'object') resolve(json as KubeObject);
          else reject(new ApiError(status, json, text, method, url.href, res.headers['retry-after']));
        });
      });
      const timer = setTimeout(() => req.destroy(Object.assign(new Error(`timeout after ${timeoutMs} ms`), { code: 'ETIMEDOUT' })), timeoutMs);
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(transportError(method, url.href, err));
      });
      req.end(payload);
    });
  }
}
