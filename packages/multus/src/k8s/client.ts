// The Kubernetes API as Multus uses it: GET of pods and NetworkAttachmentDefinitions, PUT of
// pods/status, POST of events. Connection and credentials come from @kubernetes/client-node's
// KubeConfig (kubeconfig files, in-cluster service account, exec/oidc/token-file auth); the
// requests carry raw JSON so that a pod written back keeps every field we do not know.
// client-node costs hundreds of milliseconds to import: it is loaded only when a command needs
// the API server (never for VERSION, never for a DEL served from the cache).
import type { KubeConfig } from '@kubernetes/client-node';
import { ApiError, transportError } from './errors';

export type KubeObject = Record<string, unknown> & {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string> };
};

export interface RequestOptions {
  /** Per-request deadline in milliseconds (default 30 s). */
  timeoutMs?: number;
}

export interface KubeClient {
  /** Where requests go (for messages). */
  readonly server: string;
  request(method: string, path: string, body?: unknown, opts?: RequestOptions): Promise<KubeObject>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

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
}

/** GetK8sClient: undefined when there is neither a kubeconfig nor an in-cluster environment. */
export async function loadKubeClient(src: ClientSource): Promise<KubeClient | undefined> {
  if (!src.kubeconfig && !(src.env.KUBERNETES_SERVICE_HOST && src.env.KUBERNETES_SERVICE_PORT)) return undefined;
  const { KubeConfig } = await clientNode();
  const kc = new KubeConfig();
  try {
    if (src.kubeconfig) kc.loadFromFile(src.kubeconfig);
    else kc.loadFromCluster();
  } catch (err) {
    const what = src.kubeconfig ? `the kubeconfig ${src.kubeconfig}` : 'in-cluster kube config';
    throw new Error(`GetK8sClient: failed to get context for ${what}: ${(err as Error).message}`, { cause: err });
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error(`GetK8sClient: failed to get context for the kubeconfig ${src.kubeconfig}: no current cluster`);
  return new HttpKubeClient(kc, cluster.server);
}

class HttpKubeClient implements KubeClient {
  readonly kc: KubeConfig;
  readonly server: string;
  constructor(kc: KubeConfig, server: string) {
    this.kc = kc;
    this.server = server;
  }

  async request(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<KubeObject> {
    const url = new URL(path, this.server.endsWith('/') ? this.server : `${this.server}/`);
    // The server may carry a path prefix (a proxy); keep it.
    url.pathname = `${new URL(this.server).pathname.replace(/\/$/, '')}${path}`;
    const options: import('node:https').RequestOptions = { method, headers: {} };
    await this.kc.applyToHTTPSOptions(options);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    options.headers = {
      ...(options.headers as Record<string, string>),
      Accept: 'application/json',
      'User-Agent': 'multus-cni-ts',
      ...(payload ? { 'Content-Type': 'application/json', 'Content-Length': String(payload.length) } : {}),
    };
    const mod = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
    const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise<KubeObject>((resolve, reject) => {
      const req = mod.request(url, options, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
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
          else reject(new ApiError(status, json, text, method, url.href));
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
