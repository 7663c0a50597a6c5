// A stand-in Kubernetes API server for tests (no kube-apiserver can run here): node:http on
// 127.0.0.1 with a random port, generic over resources (the built-in ones of resources.ts, any a
// test defines, and any a CustomResourceDefinition registers), and as strict as the real one
// where clients can tell: resourceVersion conflicts (409) on update and patch, AlreadyExists
// (409) on create, a failed JSON Patch `test` (422), delete preconditions, finalizers and the
// graceful deletion of scheduled pods, CRD schema pruning and validation, label and field
// selectors, paged lists, list and watch from a resourceVersion with 410 Gone once it is too
// old. Plus what only a stand-in can offer: a record of every request (with its RBAC verb),
// injectable slow or failing answers, optional bearer-token auth. Any process may talk to it
// (it listens on loopback); see README.md.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { admitCsr } from './csr';
import type { AddressInfo } from 'node:net';
import { applyJsonPatch, applyMergePatch, PatchError } from './patch';
import { ALIASES, apiVersionOf, BUILTIN, defsFromCrd, discovery, nameError, parseTarget, resourceId, type ResourceDef, type Target } from './resources';
import { pruneAndValidate } from './schema';
import { fieldMatcher, labelMatcher, SelectorError, type Matcher } from './selectors';

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata?: Record<string, unknown> & {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    finalizers?: string[];
    deletionTimestamp?: string;
  };
};

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body as parsed JSON (undefined when empty or not JSON). */
  body: unknown;
  /** What the stub answered (-1: the connection was dropped). */
  status: number;
  /** Milliseconds since the stub started. */
  at: number;
  /** The RBAC verb (get, list, watch, create, update, patch, delete, deletecollection); "" for non-resource paths. */
  verb: string;
  /** The RBAC resource: `pods`, `ippools.whereabouts.cni.cncf.io`; "" for non-resource paths. */
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** Who the request authenticated as (a client certificate's CN and O, the token's user); undefined: anonymous. */
  user?: UserInfo;
}

export interface UserInfo {
  name: string;
  groups: string[];
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
  /** With `status`: a Retry-After header of this many seconds (the server's answer to an overloaded or throttled client). */
  retryAfter?: number;
  /** Close the connection without answering. */
  hangUp?: boolean;
  /** Runs just before the request is served (e.g. a concurrent writer). */
  before?: (stub: K8sStub) => void;
}

/** A metav1.Status as the API server writes it. */
export function statusObject(code: number, reason: string, message: string, details?: Record<string, unknown>): KubeObject {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, ...(details ? { details } : {}), code };
}

const REASONS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export interface StubOptions {
  /** Require `Authorization: Bearer <token>`; a function is asked on every request (rotation). */
  token?: string | (() => string);
  /** Watch events kept for watches from a resourceVersion (default 10000); older ones answer 410. */
  historySize?: number;
  /**
   * Serve https with this certificate and key. With `clientCA`, a client certificate it
   * verifies authenticates the request as the real server does (user = CN, groups = O), and is
   * accepted in place of the token.
   */
  tls?: { cert: string; key: string; clientCA?: string };
  /** The user a valid bearer token authenticates as (default `token-user`, group system:authenticated). */
  tokenUser?: string;
}

type WatchType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistoryEvent {
  rv: number;
  type: WatchType;
  id: string;
  /** The object before the change (undefined for ADDED). */
  prev?: KubeObject;
  obj: KubeObject;
}

interface Watcher {
  id: string;
  def: ResourceDef;
  namespace?: string;
  match: Matcher;
  res: ServerResponse;
}

/** An answer: status and body. */
type Answer = [number, unknown];

class Reply extends Error {
  readonly answer: Answer;
  constructor(answer: Answer) {
    super(String((answer[1] as { message?: string }).message ?? answer[0]));
    this.answer = answer;
  }
}

const fail = (code: number, message: string, details?: Record<string, unknown>, reason = REASONS[code] ?? 'Unknown'): never => {
  throw new Reply([code, statusObject(code, reason, message, details)]);
};

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const JSON_PATCH_FAILED = 'the server rejected our request due to an error in our request';

/** What a type's own validation sees of a write. */
export interface Admission {
  op: 'create' | 'update';
  /** The object to be stored (create may fill fields the server sets, e.g. a CSR's spec.username). */
  obj: KubeObject;
  old?: KubeObject;
  subresource?: string;
  user?: UserInfo;
}

export class K8sStub {
  readonly requests: RecordedRequest[] = [];
  readonly faults: Fault[] = [];
  readonly #defs = new Map<string, ResourceDef[]>();
  readonly #objects = new Map<string, KubeObject>();
  readonly #history: HistoryEvent[] = [];
  readonly #watchers = new Set<Watcher>();
  readonly #snapshots = new Map<string, KubeObject[]>();
  readonly #server: Server;
  readonly #started = Date.now();
  readonly #opts: StubOptions;
  #rv = 1000;
  /** Events at or below this resourceVersion are gone from the history. */
  #compacted = 1000;
  url = '';

  constructor(opts: StubOptions = {}) {
    this.#opts = opts;
    for (const d of BUILTIN) this.define(d);
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    const tls = opts.tls;
    this.#server = tls
      ? createTlsServer({ cert: tls.cert, key: tls.key, ...(tls.clientCA ? { ca: tls.clientCA, requestCert: true, rejectUnauthorized: false } : {}) }, handler)
      : createServer(handler);
  }

  async start(port = 0): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(port, '127.0.0.1', resolve));
    const addr = this.#server.address() as AddressInfo;
    this.url = `${this.#opts.tls ? 'https' : 'http'}://127.0.0.1:${addr.port}`;
    return this;
  }

  async close(): Promise<void> {
    for (const w of this.#watchers) w.res.end();
    this.#watchers.clear();
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

  /** The RBAC rules the recorded requests needed: `verb resource[/subresource]`, sorted. */
  verbs(): string[] {
    const set = new Set(this.requests.filter((r) => r.verb).map((r) => `${r.verb} ${r.resource}${r.subresource ? `/${r.subresource}` : ''}`));
    return [...set].toSorted();
  }

  /** The current resourceVersion (etcd's revision). */
  get resourceVersion(): string {
    return String(this.#rv);
  }

  // ---- resources --------------------------------------------------------------------------

  /** Serves a resource (or every served version of a CustomResourceDefinition object). */
  define(what: ResourceDef | KubeObject): ResourceDef[] {
    const defs = 'plural' in what && typeof what.plural === 'string' ? [what as ResourceDef] : defsFromCrd(what as KubeObject);
    for (const d of defs) {
      const id = resourceId(d);
      const list = (this.#defs.get(id) ?? []).filter((x) => x.version !== d.version);
      this.#defs.set(id, [...list, d]);
    }
    return defs;
  }

  /**
   * A resource by name: `pods`, `nads`, a plural served by one group only (`ippools`),
   * `plural.group` (`ippools.whereabouts.cni.cncf.io`).
   */
  resource(kind: string): ResourceDef {
    const id = ALIASES[kind] ?? kind;
    const exact = this.#defs.get(id);
    if (exact) return exact[0]!;
    const byPlural = [...this.#defs.values()].filter((l) => l[0]!.plural === id);
    if (byPlural.length === 1) return byPlural[0]![0]!;
    throw new Error(`the stub serves no resource ${JSON.stringify(kind)}${byPlural.length > 1 ? ' (ambiguous: name its group)' : ''}`);
  }

  #find(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.#defs.get(group ? `${plural}.${group}` : plural)?.find((d) => d.version === version);
  }

  #key(def: ResourceDef, ns: string | undefined, name: string): string {
    return `${resourceId(def)}\0${def.namespaced ? (ns ?? '') : ''}\0${name}`;
  }

  #emit(type: WatchType, def: ResourceDef, obj: KubeObject, prev?: KubeObject): void {
    const ev: HistoryEvent = { rv: this.#rv, type, id: resourceId(def), prev, obj: structuredClone(obj) };
    this.#history.push(ev);
    const max = this.#opts.historySize ?? 10_000;
    while (this.#history.length > max) this.#compacted = this.#history.shift()!.rv;
    for (const w of this.#watchers) this.#deliver(w, ev);
  }

  /** Forgets the watch history up to `rv` (default: now), as etcd compaction does: older watches get 410. */
  compact(rv = this.#rv): void {
    while (this.#history.length > 0 && this.#history[0]!.rv <= rv) this.#history.shift();
    this.#compacted = Math.max(this.#compacted, rv);
    this.#snapshots.clear();
  }

  // ---- direct access (seeding and inspection; no validation) -------------------------------

  /** Stores an object as the API server would after a create or an update (uid, resourceVersion, timestamps). */
  put(kind: string, obj: KubeObject): KubeObject {
    const def = this.resource(kind);
    const meta = { ...obj.metadata };
    if (def.namespaced && !meta.namespace) throw new Error(`put ${kind}: metadata.namespace is required`);
    if (def.namespaced) this.#ensureNamespace(meta.namespace as string);
    const key = this.#key(def, meta.namespace as string, meta.name as string);
    const prev = this.#objects.get(key);
    meta.uid ??= prev?.metadata?.uid ?? randomUUID();
    meta.creationTimestamp ??= prev?.metadata?.creationTimestamp ?? now();
    meta.resourceVersion = String(++this.#rv);
    if (!def.namespaced) delete meta.namespace;
    const stored = { apiVersion: apiVersionOf(def), kind: def.kind, ...obj, metadata: meta };
    this.#objects.set(key, stored);
    this.#emit(prev ? 'MODIFIED' : 'ADDED', def, stored, prev);
    return structuredClone(stored);
  }

  get(kind: string, ns: string | undefined, name: string): KubeObject | undefined {
    const o = this.#objects.get(this.#key(this.resource(kind), ns, name));
    return o && structuredClone(o);
  }

  /** Removes an object at once (no finalizers, no grace period). */
  delete(kind: string, ns: string | undefined, name: string): boolean {
    const def = this.resource(kind);
    const key = this.#key(def, ns, name);
    const o = this.#objects.get(key);
    if (!o) return false;
    this.#remove(def, key, o);
    return true;
  }

  list(kind: string, ns?: string): KubeObject[] {
    const def = this.resource(kind);
    return this.#items(def, ns).map((o) => structuredClone(o));
  }

  /** Changes an object in place as another client would (bumps resourceVersion). */
  mutate(kind: string, ns: string | undefined, name: string, fn: (o: KubeObject) => void): void {
    const def = this.resource(kind);
    const o = this.#objects.get(this.#key(def, ns, name));
    if (!o) throw new Error(`no ${kind} ${ns}/${name}`);
    const prev = structuredClone(o);
    fn(o);
    o.metadata!.resourceVersion = String(++this.#rv);
    this.#emit('MODIFIED', def, o, prev);
  }

  #ensureNamespace(ns: string): void {
    const def = this.resource('namespaces');
    if (!this.#objects.has(this.#key(def, undefined, ns))) this.put('namespaces', { metadata: { name: ns } });
  }

  #items(def: ResourceDef, ns?: string): KubeObject[] {
    const prefix = `${resourceId(def)}\0${def.namespaced && ns !== undefined ? `${ns}\0` : ''}`;
    return [...this.#objects.entries()]
      .filter(([k]) => k.startsWith(prefix))
      .toSorted(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, o]) => o);
  }

  #remove(def: ResourceDef, key: string, o: KubeObject): KubeObject {
    this.#objects.delete(key);
    const gone = structuredClone(o);
    gone.metadata!.resourceVersion = String(++this.#rv);
    this.#emit('DELETED', def, gone, o);
    if (def.group === '' && def.plural === 'namespaces') {
      // The namespace controller's work, done at once: everything in it goes too.
      for (const [k, child] of this.#objects) {
        const d = this.resource(k.split('\0')[0]!);
        if (d.namespaced && child.metadata?.namespace === o.metadata?.name) this.#remove(d, k, child);
      }
    }
    return gone;
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://stub');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    let bodyError = false;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
      bodyError = true;
    }
    const rec: RecordedRequest = {
      method: req.method ?? '',
      path: url.pathname,
      query: url.search,
      headers: req.headers,
      body,
      status: 0,
      at: Date.now() - this.#started,
      verb: '',
      resource: '',
    };
    this.requests.push(rec);
    const send = (status: number, obj: unknown, headers: Record<string, string> = {}) => {
      rec.status = status;
      if (res.destroyed) return;
      const out = JSON.stringify(obj);
      res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out), ...headers });
      res.end(out);
    };
    let target: Target | undefined;
    try {
      target = parseTarget(url.pathname, (g, v, p) => this.#find(g, v, p));
    } catch {
      target = undefined;
    }
    if (target) Object.assign(rec, this.#describe(target, rec.method, url.searchParams));

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
      if (fault.status) {
        const retry: Record<string, string> = fault.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : {};
        const details = fault.retryAfter !== undefined ? { retryAfterSeconds: fault.retryAfter } : undefined;
        return send(fault.status, statusObject(fault.status, REASONS[fault.status] ?? 'Unknown', `injected failure (${fault.status})`, details), retry);
      }
      fault.before?.(this);
    }
    const token = typeof this.#opts.token === 'function' ? this.#opts.token() : this.#opts.token;
    const socket = req.socket as TLSSocket;
    if (this.#opts.tls?.clientCA && socket.authorized) {
      // x509 authentication: CN is the user, each O a group.
      const subject = socket.getPeerCertificate().subject as unknown as Record<string, string | string[] | undefined>;
      const list = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
      rec.user = { name: list(subject.CN)[0] ?? '', groups: [...list(subject.O), 'system:authenticated'] };
    } else if (token !== undefined) {
      if (req.headers.authorization !== `Bearer ${token}`) return send(401, statusObject(401, 'Unauthorized', 'Unauthorized'));
      rec.user = { name: this.#opts.tokenUser ?? 'token-user', groups: ['system:authenticated'] };
    }

    if (rec.method === 'GET' && !target) {
      const doc = discovery(url.pathname, [...this.#defs.values()].flat());
      if (doc) return send(200, doc);
    }
    if (!target) return send(404, statusObject(404, 'NotFound', 'the server could not find the requested resource'));
    if (bodyError) return send(400, statusObject(400, 'BadRequest', `the body of the request could not be decoded as JSON`));
    try {
      if (rec.verb === 'watch') return this.#watch(target, url.searchParams, res, rec);
      const [status, obj] = this.#serve(target, rec.verb, body, url.searchParams, String(req.headers['content-type'] ?? ''), rec.user);
      send(status, obj);
    } catch (err) {
      if (err instanceof Reply) return send(...err.answer);
      send(500, statusObject(500, 'InternalError', `stub: ${(err as Error).message}`));
    }
  }

  #describe(t: Target, method: string, q: URLSearchParams): Partial<RecordedRequest> {
    let verb = '';
    if (method === 'GET') verb = t.name ? 'get' : q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
    else if (method === 'POST') verb = 'create';
    else if (method === 'PUT') verb = 'update';
    else if (method === 'PATCH') verb = 'patch';
    else if (method === 'DELETE') verb = t.name ? 'delete' : 'deletecollection';
    return { verb, resource: resourceId(t.def), subresource: t.subresource, namespace: t.namespace, name: t.name };
  }

  #serve(t: Target, verb: string, body: unknown, q: URLSearchParams, contentType: string, user?: UserInfo): Answer {
    const { def } = t;
    if (t.subresource && !(def.subresources ?? []).includes(t.subresource)) fail(404, 'the server could not find the requested resource');
    if (def.namespaced && t.namespace === undefined && verb !== 'list') fail(404, 'the server could not find the requested resource');
    const dryRun = q.getAll('dryRun').includes('All');
    switch (verb) {
      case 'get':
        return [200, this.#get(t)];
      case 'list':
        return [200, this.#list(t, q)];
      case 'create':
        if (t.name) fail(405, `the server does not allow this method on the requested resource`);
        return [201, this.#create(t, body, dryRun, user)];
      case 'update':
        return [200, this.#update(t, body, dryRun)];
      case 'patch':
        return [200, this.#patch(t, body, contentType, dryRun)];
      case 'delete':
        return this.#deleteOne(t, body, dryRun);
      case 'deletecollection':
        return [200, this.#deleteCollection(t, q, dryRun)];
      default:
        return fail(405, 'the server does not allow this method on the requested resource');
    }
  }

  #what(def: ResourceDef): string {
    return resourceId(def);
  }

  #kindName(def: ResourceDef): string {
    return def.group ? `${def.kind}.${def.group}` : def.kind;
  }

  #notFound(def: ResourceDef, name: string): never {
    return fail(404, `${this.#what(def)} "${name}" not found`, { name, ...(def.group ? { group: def.group } : {}), kind: def.plural });
  }

  #current(t: Target): [string, KubeObject] {
    const key = this.#key(t.def, t.namespace, t.name!);
    const o = this.#objects.get(key);
    if (!o) this.#notFound(t.def, t.name!);
    return [key, o!];
  }

  /** The object as served under the requested version. */
  #view(def: ResourceDef, o: KubeObject): KubeObject {
    return { ...structuredClone(o), apiVersion: apiVersionOf(def), kind: def.kind };
  }

  #get(t: Target): KubeObject {
    const [, o] = this.#current(t);
    return this.#view(t.def, o);
  }

  #matchers(q: URLSearchParams): Matcher {
    try {
      const l = labelMatcher(q.get('labelSelector'));
      const f = fieldMatcher(q.get('fieldSelector'));
      return (o) => l(o) && f(o);
    } catch (err) {
      if (err instanceof SelectorError) fail(400, err.message);
      throw err;
    }
  }

  #list(t: Target, q: URLSearchParams): KubeObject {
    const { def } = t;
    const rv = q.get('resourceVersion');
    const current = this.#rv;
    if (rv && rv !== '0') {
      const n = Number(rv);
      if (!Number.isInteger(n) || n < 0) fail(400, `resourceVersion: Invalid value: "${rv}": strconv.ParseUint: parsing "${rv}": invalid syntax`);
      if (n > current) fail(504, `Too large resource version: ${n}, current: ${current}`, { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 }, 'Timeout');
      if (q.get('resourceVersionMatch') === 'Exact' && n !== current) fail(410, `too old resource version: ${n} (${current})`, undefined, 'Expired');
    }
    const match = this.#matchers(q);
    const limit = Number(q.get('limit') ?? 0);
    const cont = q.get('continue');
    let items: KubeObject[];
    let start = 0;
    let listRv = current;
    if (cont) {
      let token: { s: string; i: number; rv: number };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64').toString('utf8'));
      } catch {
        return fail(400, 'continue key is not valid: illegal base64 data');
      }
      const snap = this.#snapshots.get(token.s);
      if (!snap || token.rv < this.#compacted) {
        return fail(410, 'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.', undefined, 'Expired');
      }
      items = snap;
      start = token.i;
      listRv = token.rv;
    } else {
      items = this.#items(def, t.namespace)
        .filter(match)
        .map((o) => this.#view(def, o));
    }
    const meta: Record<string, unknown> = { resourceVersion: String(listRv) };
    let page = items.slice(start);
    if (limit > 0 && page.length > limit) {
      page = page.slice(0, limit);
      let s = cont ? JSON.parse(Buffer.from(cont, 'base64').toString('utf8')).s : '';
      if (!s) {
        s = randomUUID();
        this.#snapshots.set(s, items);
        while (this.#snapshots.size > 32) this.#snapshots.delete(this.#snapshots.keys().next().value!);
      }
      meta.continue = Buffer.from(JSON.stringify({ s, i: start + limit, rv: listRv })).toString('base64');
      meta.remainingItemCount = items.length - start - limit;
    }
    return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: meta, items: page };
  }

  #checkBody(t: Target, body: unknown): KubeObject {
    const { def } = t;
    if (!isObj(body)) fail(400, 'the body of the request was empty or not an object');
    const obj = structuredClone(body) as KubeObject;
    const want = apiVersionOf(def);
    if (obj.apiVersion !== undefined && obj.apiVersion !== want && !t.subresource) {
      fail(400, `the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${want})`);
    }
    if (obj.kind !== undefined && obj.kind !== def.kind && !t.subresource) fail(400, `the kind in the data (${String(obj.kind)}) does not match the expected kind (${def.kind})`);
    obj.apiVersion = want;
    obj.kind = def.kind;
    obj.metadata = isObj(obj.metadata) ? obj.metadata : {};
    if (def.namespaced) {
      if (obj.metadata.namespace !== undefined && obj.metadata.namespace !== '' && obj.metadata.namespace !== t.namespace) {
        fail(400, 'the namespace of the provided object does not match the namespace sent on the request');
      }
      obj.metadata.namespace = t.namespace;
    } else delete obj.metadata.namespace;
    return obj;
  }

  #invalid(def: ResourceDef, name: string, errs: string[]): never {
    return fail(422, `${this.#kindName(def)} "${name}" is invalid: ${errs.length === 1 ? errs[0] : `[${errs.join(', ')}]`}`, {
      name,
      ...(def.group ? { group: def.group } : {}),
      kind: def.kind,
      causes: errs.map((e) => ({ reason: 'FieldValueInvalid', message: e.replace(/^[^:]*: /, ''), field: e.split(':')[0] })),
    });
  }

  #validate(def: ResourceDef, obj: KubeObject, admission?: Admission): void {
    const errs: string[] = [];
    const name = obj.metadata!.name ?? '';
    const nameErr = nameError(def, name);
    if (nameErr) errs.push(`metadata.name: Invalid value: "${name}": ${nameErr}`);
    if (def.schema) errs.push(...pruneAndValidate(def.schema, obj));
    // Built-in types' own validation (the real server's per-type strategy), where a test needs it.
    if (admission && def.group === 'certificates.k8s.io' && def.plural === 'certificatesigningrequests') errs.push(...admitCsr(admission));
    if (errs.length > 0) this.#invalid(def, name, errs);
  }

  #create(t: Target, body: unknown, dryRun: boolean, user?: UserInfo): KubeObject {
    const { def } = t;
    const obj = this.#checkBody(t, body);
    const meta = obj.metadata!;
    if (!meta.name) {
      if (!meta.generateName) this.#invalid(def, '', ['metadata.name: Required value: name or generateName is required']);
      meta.name = `${meta.generateName as string}${randomUUID().replaceAll('-', '').slice(0, 5)}`;
    }
    if (def.namespaced && !this.#objects.has(this.#key(this.resource('namespaces'), undefined, t.namespace!))) {
      fail(404, `namespaces "${t.namespace}" not found`, { name: t.namespace, kind: 'namespaces' });
    }
    for (const k of ['resourceVersion', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink']) delete meta[k];
    this.#validate(def, obj, { op: 'create', obj, ...(user ? { user } : {}) });
    const key = this.#key(def, t.namespace, meta.name);
    if (this.#objects.has(key)) {
      fail(409, `${this.#what(def)} "${meta.name}" already exists`, { name: meta.name, ...(def.group ? { group: def.group } : {}), kind: def.plural }, 'AlreadyExists');
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = now();
    if (obj.spec !== undefined) meta.generation = 1;
    if (dryRun) return { ...obj, metadata: { ...meta, resourceVersion: '' } };
    meta.resourceVersion = String(++this.#rv);
    this.#objects.set(key, obj);
    this.#emit('ADDED', def, obj);
    if (def.group === 'apiextensions.k8s.io' && def.plural === 'customresourcedefinitions') this.define(obj);
    return this.#view(def, obj);
  }

  #conflict(def: ResourceDef, name: string): never {
    return fail(409, `Operation cannot be fulfilled on ${this.#what(def)} "${name}": the object has been modified; please apply your changes to the latest version and try again`, {
      name,
      ...(def.group ? { group: def.group } : {}),
      kind: def.plural,
    });
  }

  /** Writes `next` over the stored object (update, status update, patch result). */
  #write(t: Target, key: string, current: KubeObject, next: KubeObject, dryRun: boolean): KubeObject {
    const { def } = t;
    const cm = current.metadata!;
    const nm = next.metadata!;
    if (nm.name !== undefined && nm.name !== t.name) fail(400, `the name of the object (${String(nm.name)}) does not match the name on the URL (${t.name})`);
    nm.name = t.name;
    const rv = nm.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== cm.resourceVersion) this.#conflict(def, t.name!);
    if ((rv === undefined || rv === '') && !def.unconditionalUpdate) this.#invalid(def, t.name!, ['metadata.resourceVersion: Invalid value: 0x0: must be specified for an update']);
    let out: KubeObject;
    if (t.subresource === 'status' || t.subresource === 'approval') {
      // Only status changes (built-in types also take labels and annotations, as pods/status does).
      out = { ...structuredClone(current), status: next.status };
      if (!def.schema && def.group === '') {
        out.metadata = { ...out.metadata, labels: nm.labels, annotations: nm.annotations };
        if (nm.labels === undefined) delete out.metadata!.labels;
        if (nm.annotations === undefined) delete out.metadata!.annotations;
      }
      if (out.status === undefined) delete out.status;
    } else {
      out = next;
      if ((def.subresources ?? []).includes('status')) {
        if (current.status === undefined) delete out.status;
        else out.status = structuredClone(current.status);
      }
      for (const k of ['uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation'] as const) {
        if (cm[k] === undefined) delete out.metadata![k];
        else (out.metadata as Record<string, unknown>)[k] = cm[k];
      }
      if (cm.deletionTimestamp && (nm.finalizers ?? []).some((f) => !(cm.finalizers ?? []).includes(f))) {
        this.#invalid(def, t.name!, ['metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted']);
      }
      const specOf = (o: KubeObject) => JSON.stringify({ ...o, metadata: undefined, status: undefined });
      if (cm.generation !== undefined && specOf(out) !== specOf(current)) out.metadata!.generation = (cm.generation as number) + 1;
    }
    this.#validate(def, out, { op: 'update', obj: out, old: current, ...(t.subresource ? { subresource: t.subresource } : {}) });
    if (dryRun) return this.#view(def, out);
    if (JSON.stringify(out) === JSON.stringify({ ...current, metadata: { ...current.metadata, resourceVersion: out.metadata!.resourceVersion } })) {
      // A no-op write keeps the resourceVersion and emits nothing, as the real server does.
      return this.#view(def, current);
    }
    out.metadata!.resourceVersion = String(++this.#rv);
    if (out.metadata!.deletionTimestamp && (out.metadata!.finalizers ?? []).length === 0) return this.#view(def, this.#remove(def, key, out));
    this.#objects.set(key, out);
    this.#emit('MODIFIED', def, out, current);
    return this.#view(def, out);
  }

  #update(t: Target, body: unknown, dryRun: boolean): KubeObject {
    const [key, current] = this.#current(t);
    const next = this.#checkBody(t, body);
    return this.#write(t, key, current, next, dryRun);
  }

  #patch(t: Target, body: unknown, contentType: string, dryRun: boolean): KubeObject {
    const [key, current] = this.#current(t);
    const type = contentType.split(';')[0]!.trim();
    let patched: unknown;
    try {
      if (type === 'application/json-patch+json') patched = applyJsonPatch(current, body);
      else if (type === 'application/merge-patch+json') patched = applyMergePatch(current, body);
      else if (type === 'application/strategic-merge-patch+json' && !t.def.schema && t.def.group !== 'k8s.cni.cncf.io') {
        // Strategic merge keyed list merging is not modelled: lists are replaced, as in a merge patch.
        patched = applyMergePatch(current, body);
      } else {
        return fail(415, `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`);
      }
    } catch (err) {
      if (err instanceof PatchError) return fail(422, JSON_PATCH_FAILED, {}, 'Invalid');
      throw err;
    }
    if (!isObj(patched)) return fail(422, JSON_PATCH_FAILED, {}, 'Invalid');
    const next = patched as KubeObject;
    next.metadata = isObj(next.metadata) ? next.metadata : {};
    // A patch that names an older resourceVersion is a precondition (409), like an update.
    if (next.metadata.resourceVersion === undefined) next.metadata.resourceVersion = current.metadata!.resourceVersion;
    return this.#write(t, key, current, next, dryRun);
  }

  #deleteOne(t: Target, body: unknown, dryRun: boolean): Answer {
    const { def } = t;
    const [key, current] = this.#current(t);
    const opts = (isObj(body) ? body : {}) as { preconditions?: { uid?: string; resourceVersion?: string }; gracePeriodSeconds?: number };
    const pre = opts.preconditions ?? {};
    if (pre.uid !== undefined && pre.uid !== current.metadata!.uid) {
      fail(409, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata!.uid}`, { name: t.name, ...(def.group ? { group: def.group } : {}), kind: def.plural });
    }
    if (pre.resourceVersion !== undefined && pre.resourceVersion !== current.metadata!.resourceVersion) {
      fail(409, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata!.resourceVersion}`, {
        name: t.name,
        ...(def.group ? { group: def.group } : {}),
        kind: def.plural,
      });
    }
    if (dryRun) return [200, this.#view(def, current)];
    const meta = current.metadata!;
    // A scheduled, running pod is deleted gracefully: marked now, removed when its kubelet confirms (a grace period of 0).
    const isPod = def.group === '' && def.plural === 'pods';
    const spec = (current.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (current.status as { phase?: string } | undefined)?.phase;
    const grace = opts.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30;
    const graceful = isPod && !!spec.nodeName && phase !== 'Succeeded' && phase !== 'Failed' && grace > 0;
    const finalizers = (meta.finalizers ?? []).length > 0;
    if (graceful || finalizers) {
      if (meta.deletionTimestamp && !graceful) return [200, this.#view(def, current)];
      const prev = structuredClone(current);
      meta.deletionTimestamp ??= new Date(Date.now() + (graceful ? grace : 0) * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
      meta.deletionGracePeriodSeconds = graceful ? grace : 0;
      meta.resourceVersion = String(++this.#rv);
      this.#emit('MODIFIED', def, current, prev);
      return [200, this.#view(def, current)];
    }
    return [200, this.#view(def, this.#remove(def, key, current))];
  }

  #deleteCollection(t: Target, q: URLSearchParams, dryRun: boolean): KubeObject {
    const { def } = t;
    const match = this.#matchers(q);
    const items = this.#items(def, t.namespace).filter(match);
    const out: KubeObject[] = [];
    for (const o of items) {
      const [, obj] = this.#deleteOne({ def, namespace: o.metadata?.namespace, name: o.metadata!.name }, undefined, dryRun);
      out.push(obj as KubeObject);
    }
    return { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.#rv) }, items: out };
  }

  // ---- watch --------------------------------------------------------------------------------

  #deliver(w: Watcher, ev: HistoryEvent): void {
    if (ev.id !== resourceId(w.def)) return;
    const inNs = (o: KubeObject | undefined) => !!o && (w.namespace === undefined || o.metadata?.namespace === w.namespace);
    const was = inNs(ev.prev) && ev.type !== 'ADDED' && w.match(ev.prev!);
    const is = inNs(ev.obj) && ev.type !== 'DELETED' && w.match(ev.obj);
    let type: WatchType | undefined;
    if (ev.type === 'DELETED') type = was || (inNs(ev.obj) && w.match(ev.obj)) ? 'DELETED' : undefined;
    else if (is && was) type = 'MODIFIED';
    else if (is) type = 'ADDED';
    else if (was) type = 'DELETED';
    if (!type) return;
    w.res.write(`${JSON.stringify({ type, object: this.#view(w.def, ev.obj) })}\n`);
  }

  #watch(t: Target, q: URLSearchParams, res: ServerResponse, rec: RecordedRequest): void {
    const { def } = t;
    if (def.namespaced && t.namespace === undefined && t.name) fail(404, 'the server could not find the requested resource');
    let match: Matcher;
    try {
      match = this.#matchers(q);
    } catch (err) {
      if (err instanceof Reply) {
        rec.status = err.answer[0];
        const out = JSON.stringify(err.answer[1]);
        res.writeHead(err.answer[0], { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(out) });
        res.end(out);
        return;
      }
      throw err;
    }
    rec.status = 200;
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' });
    // The real server answers a watch's headers at once, before any event.
    res.flushHeaders();
    const w: Watcher = { id: randomUUID(), def, namespace: t.namespace, match, res };
    const rvText = q.get('resourceVersion');
    if (!rvText || rvText === '0') {
      for (const o of this.#items(def, t.namespace).filter(match)) res.write(`${JSON.stringify({ type: 'ADDED', object: this.#view(def, o) })}\n`);
    } else {
      const n = Number(rvText);
      if (!Number.isInteger(n) || n < this.#compacted) {
        const st = statusObject(410, 'Expired', `too old resource version: ${rvText} (${this.#rv})`);
        res.end(`${JSON.stringify({ type: 'ERROR', object: st })}\n`);
        return;
      }
      for (const ev of this.#history) if (ev.rv > n) this.#deliver(w, ev);
    }
    this.#watchers.add(w);
    const done = () => {
      this.#watchers.delete(w);
      clearTimeout(timer);
    };
    const secs = Number(q.get('timeoutSeconds') ?? 0);
    const timer = secs > 0 ? setTimeout(() => (done(), res.end()), secs * 1000) : undefined;
    res.on('close', done);
  }
}

/** Starts a stub on 127.0.0.1 with a random port. */
export function startStub(opts: StubOptions = {}): Promise<K8sStub> {
  return new K8sStub(opts).start();
}
