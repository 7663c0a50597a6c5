// A stand-in Kubernetes API server for tests (no kube-apiserver can run here): node:http on
// 127.0.0.1 with a random port, serving real object JSON for namespaces, pods (and
// pods/status), NetworkAttachmentDefinitions and events, with resourceVersion conflicts, 404s
// as Status objects, optional bearer-token auth, injectable slow or failing answers, and a
// record of every request. Nothing outside the test process talks to it.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown> & { name?: string; namespace?: string; uid?: string; resourceVersion?: string; annotations?: Record<string, string>; labels?: Record<string, string> };
};

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body as parsed JSON (undefined when empty or not JSON). */
  body: unknown;
  /** What the stub answered. */
  status: number;
  /** Milliseconds since the stub started. */
  at: number;
}

/** An injected behaviour for matching requests. */
export interface Fault {
  method?: string;
  /** Matched against the request path. */
  path?: RegExp;
  /** How many requests it applies to (default: all). */
  times?: number;
  /** Wait this long before answering (or before the fault's own answer). */
  delayMs?: number;
  /** Answer with this status and a Status object instead of serving the request. */
  status?: number;
  /** Close the connection without answering. */
  hangUp?: boolean;
  /** Runs just before the request is served (e.g. a concurrent writer). */
  before?: (stub: K8sStub) => void;
}

type Route = { kind: 'pods' | 'nads' | 'events' | 'namespaces'; ns?: string; name?: string; sub?: string };

function route(path: string): Route | undefined {
  let m = /^\/api\/v1\/namespaces\/([^/]+)\/pods(?:\/([^/]+)(?:\/(status))?)?$/.exec(path);
  if (m) return { kind: 'pods', ns: decodeURIComponent(m[1]!), name: m[2] && decodeURIComponent(m[2]), sub: m[3] };
  m = /^\/apis\/k8s\.cni\.cncf\.io\/v1\/namespaces\/([^/]+)\/network-attachment-definitions(?:\/([^/]+))?$/.exec(path);
  if (m) return { kind: 'nads', ns: decodeURIComponent(m[1]!), name: m[2] && decodeURIComponent(m[2]) };
  m = /^\/api\/v1\/namespaces\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
  if (m) return { kind: 'events', ns: decodeURIComponent(m[1]!), name: m[2] && decodeURIComponent(m[2]) };
  m = /^\/api\/v1\/namespaces(?:\/([^/]+))?$/.exec(path);
  if (m) return { kind: 'namespaces', name: m[1] && decodeURIComponent(m[1]) };
  return undefined;
}

const RESOURCE: Record<Route['kind'], { plural: string; group: string; kind: string; apiVersion: string }> = {
  pods: { plural: 'pods', group: '', kind: 'Pod', apiVersion: 'v1' },
  nads: { plural: 'network-attachment-definitions', group: 'k8s.cni.cncf.io', kind: 'NetworkAttachmentDefinition', apiVersion: 'k8s.cni.cncf.io/v1' },
  events: { plural: 'events', group: '', kind: 'Event', apiVersion: 'v1' },
  namespaces: { plural: 'namespaces', group: '', kind: 'Namespace', apiVersion: 'v1' },
};

/** A metav1.Status as the API server writes it. */
export function statusObject(code: number, reason: string, message: string, details?: Record<string, unknown>): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

const REASONS: Record<number, string> = { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 429: 'TooManyRequests', 500: 'InternalError', 503: 'ServiceUnavailable', 504: 'Timeout' };

export interface StubOptions {
  /** Require `Authorization: Bearer <token>`; a function is asked on every request (rotation). */
  token?: string | (() => string);
}

export class K8sStub {
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  readonly #objects = new Map<string, KubeObject>();
  readonly #server: Server;
  readonly #started = Date.now();
  readonly #opts: StubOptions;
  #rv = 1000;
  url = '';

  constructor(opts: StubOptions = {}) {
    this.#opts = opts;
    this.#server = createServer((req, res) => void this.#handle(req, res));
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const { port } = this.#server.address() as AddressInfo;
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Adds a fault; returns it (remove with clearFaults). */
  fault(f: Fault): Fault {
    this.faults.push(f);
    return f;
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Requests matching method and path. */
  calls(method?: string, path?: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => (!method || r.method === method) && (!path || path.test(r.path)));
  }

  #key(kind: Route['kind'], ns: string | undefined, name: string): string {
    return `${kind}/${ns ?? ''}/${name}`;
  }

  /** Stores an object as the API server would after a create (uid, resourceVersion, timestamps). */
  put(kind: Route['kind'], obj: KubeObject): KubeObject {
    const r = RESOURCE[kind];
    const meta = { ...obj.metadata };
    meta.uid ??= randomUUID();
    meta.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    meta.resourceVersion = String(++this.#rv);
    const stored = { apiVersion: r.apiVersion, kind: r.kind, ...obj, metadata: meta };
    this.#objects.set(this.#key(kind, kind === 'namespaces' ? undefined : (meta.namespace as string), meta.name as string), stored);
    return structuredClone(stored);
  }

  get(kind: Route['kind'], ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.#objects.get(this.#key(kind, ns, name));
    return o && structuredClone(o);
  }

  delete(kind: Route['kind'], ns: string | undefined, name: string): boolean {
    return this.#objects.delete(this.#key(kind, ns, name));
  }

  list(kind: Route['kind'], ns?: string): KubeObject[] {
    return [...this.#objects.entries()].filter(([k]) => k.startsWith(`${kind}/${ns ?? ''}/`)).map(([, o]) => structuredClone(o));
  }

  /** Changes an object in place as another client would (bumps resourceVersion). */
  mutate(kind: Route['kind'], ns: string | undefined, name: string, fn: (o: KubeObject) => void): void {
    const o = this.#objects.get(this.#key(kind, ns, name));
    if (!o) throw new Error(`no ${kind} ${ns}/${name}`);
    fn(o);
    o.metadata!.resourceVersion = String(++this.#rv);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    const rec: RecordedRequest = { method: req.method ?? '', path: url.pathname, query: url.search, headers: req.headers, body, status: 0, at: Date.now() - this.#started };
    this.requests.push(rec);
    const send = (status: number, obj: unknown) => {
      rec.status = status;
      const out = JSON.stringify(obj);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
      res.end(out);
    };
    const fault = this.faults.find((f) => (!f.method || f.method === rec.method) && (!f.path || f.path.test(rec.path)) && (f.times === undefined || f.times > 0));
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      if (fault.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (res.destroyed) return;
      if (fault.hangUp) {
        rec.status = -1;
        req.socket.destroy();
        return;
      }
      if (fault.status) return send(fault.status, statusObject(fault.status, REASONS[fault.status] ?? 'Unknown', `injected failure (${fault.status})`));
      fault.before?.(this);
    }
    const token = typeof this.#opts.token === 'function' ? this.#opts.token() : this.#opts.token;
    if (token !== undefined && req.headers.authorization !== `Bearer ${token}`) return send(401, statusObject(401, 'Unauthorized', 'Unauthorized'));
    const r = route(url.pathname);
    if (!r) return send(404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
    const [status, obj] = this.#serve(r, rec.method, body as KubeObject | undefined);
    send(status, obj);
  }

  #notFound(r: Route): [number, KubeObject] {
    const res = RESOURCE[r.kind];
    const what = res.group ? `${res.plural}.${res.group}` : res.plural;
    return [404, statusObject(404, 'NotFound', `${what} "${r.name}" not found`, { name: r.name, group: res.group || undefined, kind: res.plural })];
  }

  #serve(r: Route, method: string, body: KubeObject | undefined): [number, KubeObject] {
    const ns = r.kind === 'namespaces' ? undefined : r.ns;
    if (!r.name) {
      if (method === 'GET') return [200, { kind: `${RESOURCE[r.kind].kind}List`, apiVersion: RESOURCE[r.kind].apiVersion, metadata: { resourceVersion: String(this.#rv) }, items: this.list(r.kind, ns) }];
      if (method === 'POST') {
        if (!body?.metadata?.name && !body?.metadata?.generateName) return [422, statusObject(422, 'Invalid', 'name or generateName is required')];
        const name = (body.metadata!.name as string | undefined) ?? `${body.metadata!.generateName as string}${randomUUID().slice(0, 5)}`;
        if (this.get(r.kind, ns, name)) return [409, statusObject(409, 'AlreadyExists', `${RESOURCE[r.kind].plural} "${name}" already exists`)];
        const { resourceVersion: _rv, uid: _uid, ...meta } = body.metadata!;
        return [201, this.put(r.kind, { ...body, metadata: { ...meta, name, ...(ns ? { namespace: ns } : {}) } })];
      }
      return [405, statusObject(405, 'MethodNotAllowed', 'method not allowed')];
    }
    const current = this.get(r.kind, ns, r.name);
    if (method === 'GET') return current ? [200, current] : this.#notFound(r);
    if (method === 'DELETE') {
      if (!current) return this.#notFound(r);
      this.delete(r.kind, ns, r.name);
      return [200, current];
    }
    if (method === 'PUT') {
      if (!current) return this.#notFound(r);
      const rv = body?.metadata?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata!.resourceVersion) {
        const what = RESOURCE[r.kind].group ? `${RESOURCE[r.kind].plural}.${RESOURCE[r.kind].group}` : RESOURCE[r.kind].plural;
        return [
          409,
          statusObject(409, 'Conflict', `Operation cannot be fulfilled on ${what} "${r.name}": the object has been modified; please apply your changes to the latest version and try again`, {
            name: r.name,
            kind: RESOURCE[r.kind].plural,
          }),
        ];
      }
      let next: KubeObject;
      if (r.sub === 'status') {
        // The status subresource: status and metadata labels/annotations change, spec stays.
        next = { ...current, status: body?.status };
        next.metadata = { ...current.metadata, annotations: body?.metadata?.annotations, labels: body?.metadata?.labels };
      } else {
        next = { ...body, metadata: { ...body?.metadata, uid: current.metadata!.uid, creationTimestamp: current.metadata!.creationTimestamp } };
      }
      return [200, this.put(r.kind, next)];
    }
    return [405, statusObject(405, 'MethodNotAllowed', 'method not allowed')];
  }
}

/** Starts a stub on 127.0.0.1 with a random port. */
export function startStub(opts: StubOptions = {}): Promise<K8sStub> {
  return new K8sStub(opts).start();
}
