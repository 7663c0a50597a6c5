// A list+watch cache of one resource, as client-go's reflector + informer keep it: list (in
// pages), then watch from the list's resourceVersion; a watch the server ends (timeoutSeconds, a
// restart) is resumed from the last resourceVersion seen; 410 Gone (the history was compacted,
// or a continue token expired) means a new list, whose differences with the cache are handed
// to the handlers as adds, updates and deletes, so an object deleted while the watch was down is
// not missed. Failures back off (doubling, with a ceiling) and never end the loop. Every
// `resyncMs`, each cached object is handed to `update` again (client-go's resync), so a
// consumer whose own work failed gets another chance without an event.
import { ApiError } from './errors';
import type { KubeClient, KubeObject, WatchEvent } from './client';

export interface InformerOptions<T extends KubeObject = KubeObject> {
  /** The collection, without a query: `/api/v1/pods`, `/apis/discovery.k8s.io/v1/namespaces/x/endpointslices`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Hand every cached object to `update` again this often (ms); 0 = never (default). */
  resyncMs?: number;
  /** Items per list page (default 500). */
  pageSize?: number;
  /** The watch's server-side timeout is drawn from [t, 2t] seconds, as client-go does (default 300). */
  watchTimeoutSeconds?: number;
  /** Delay before retrying a failed list or watch: doubles from `initial` up to `max` (default 250 ms .. 15 s). */
  backoffMs?: { initial: number; max: number };
  /** Diagnostics (failures, re-lists). */
  log?: (msg: string) => void;
  /**
   * Applied to every object before it is cached and handed to handlers (client-go's
   * WithTransform): a daemon keeps only what it reads (upstream Multus drops managedFields,
   * volumes and container commands of pods).
   */
  transform?: (obj: T) => T;
}

export interface InformerHandler<T> {
  add?(obj: T): void;
  update?(old: T, obj: T): void;
  delete?(obj: T): void;
  /** After each complete list (the first, and every re-list): the cache is now the server's. */
  listed?(): void;
}

/** `namespace/name`, or `name` for a cluster-scoped object: the cache's key. */
export function objectKey(o: KubeObject): string {
  const m = o.metadata ?? {};
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : (m.name ?? '');
}

/** The watch history no longer holds our resourceVersion: list again. */
class Expired extends Error {}

/** An ERROR event other than 410 (the Status it carried). */
class WatchError extends Error {}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

export class Informer<T extends KubeObject = KubeObject> {
  readonly #client: KubeClient;
  readonly #opts: Required<Omit<InformerOptions<T>, 'labelSelector' | 'fieldSelector' | 'log' | 'transform'>> & InformerOptions<T>;
  readonly #handlers: InformerHandler<T>[] = [];
  readonly #items = new Map<string, T>();
  #rv: string | undefined;
  #abort: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #resync: NodeJS.Timeout | undefined;
  #synced = false;
  #syncWaiters: (() => void)[] = [];
  /** What happened so far (tests, metrics): lists done, watches opened, 410s, other failures. */
  readonly stats = { lists: 0, watches: 0, expired: 0, errors: 0 };

  constructor(client: KubeClient, opts: InformerOptions<T>) {
    this.#client = client;
    // `??` per field: a caller passing `backoffMs: undefined` gets the default, not undefined.
    this.#opts = {
      ...opts,
      resyncMs: opts.resyncMs ?? 0,
      pageSize: opts.pageSize ?? 500,
      watchTimeoutSeconds: opts.watchTimeoutSeconds ?? 300,
      backoffMs: opts.backoffMs ?? { initial: 250, max: 15_000 },
    };
  }

  on(h: InformerHandler<T>): this {
    this.#handlers.push(h);
    return this;
  }

  /** Starts listing and watching (once). */
  start(): this {
    if (this.#loop) return this;
    this.#abort = new AbortController();
    this.#loop = this.#run(this.#abort.signal);
    if (this.#opts.resyncMs > 0) {
      this.#resync = setInterval(() => {
        if (!this.#synced) return;
        for (const o of this.#items.values()) this.#call('update', (h) => h.update?.(o, o));
      }, this.#opts.resyncMs);
      this.#resync.unref();
    }
    return this;
  }

  /** Ends the watch; the cache keeps what it had. */
  async stop(): Promise<void> {
    clearInterval(this.#resync);
    this.#abort?.abort();
    await this.#loop;
    this.#loop = undefined;
  }

  /** True once the first list is in the cache. */
  get synced(): boolean {
    return this.#synced;
  }

  whenSynced(): Promise<void> {
    return this.#synced ? Promise.resolve() : new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  /** The last resourceVersion seen (list or event). */
  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  get(namespace: string | undefined, name: string): T | undefined {
    return this.#items.get(namespace ? `${namespace}/${name}` : name);
  }

  /** Cached objects (of one namespace when given). */
  list(namespace?: string): T[] {
    const all = [...this.#items.values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata?.namespace === namespace);
  }

  #log(msg: string): void {
    this.#opts.log?.(`${this.#opts.path}: ${msg}`);
  }

  #call(what: string, fn: (h: InformerHandler<T>) => void): void {
    for (const h of this.#handlers) {
      try {
        fn(h);
      } catch (err) {
        // A handler's failure is its own: the cache and the watch go on.
        this.#log(`${what} handler failed: ${(err as Error).message}`);
      }
    }
  }

  #query(extra: Record<string, string>): string {
    const q = new URLSearchParams();
    if (this.#opts.labelSelector) q.set('labelSelector', this.#opts.labelSelector);
    if (this.#opts.fieldSelector) q.set('fieldSelector', this.#opts.fieldSelector);
    for (const [k, v] of Object.entries(extra)) q.set(k, v);
    return `${this.#opts.path}?${q}`;
  }

  async #run(signal: AbortSignal): Promise<void> {
    const { initial, max } = this.#opts.backoffMs;
    let delay = initial;
    while (!signal.aborted) {
      try {
        if (this.#relist) await this.#list(signal);
        if (signal.aborted) break;
        const started = Date.now();
        const events = await this.#watch(signal);
        // A watch that delivered something (or lived a while) worked: start the backoff over.
        // One the server ends at once, repeatedly, is throttled like a failure.
        if (events > 0 || Date.now() - started > 1000) delay = initial;
        else {
          await sleep(delay, signal);
          delay = Math.min(delay * 2, max);
        }
      } catch (err) {
        if (signal.aborted) break;
        if (err instanceof Expired || (err instanceof ApiError && err.status === 410)) {
          this.stats.expired++;
          this.#log(`${(err as Error).message}; listing again`);
          this.#relist = true;
          continue;
        }
        this.stats.errors++;
        this.#log(`${(err as Error).message}; retrying in ${delay} ms`);
        // An answer of the server other than 410 (403, 500, ...) or a broken event: list again,
        // as client-go does; a connection failure resumes the watch where it was.
        if (err instanceof ApiError || err instanceof WatchError) this.#relist = true;
        await sleep(delay, signal);
        delay = Math.min(delay * 2, max);
      }
    }
  }

  /** Set when the next round must list (at the start, and when the resourceVersion is no longer usable). */
  #relist = true;

  async #list(signal: AbortSignal): Promise<void> {
    const items: T[] = [];
    let cont = '';
    let rv = '';
    do {
      const page = await this.#client.request('GET', this.#query({ limit: String(this.#opts.pageSize), ...(cont ? { continue: cont } : {}) }));
      if (signal.aborted) return;
      const got = ((page.items as T[] | undefined) ?? []).filter((o) => o && typeof o === 'object');
      items.push(...(this.#opts.transform ? got.map(this.#opts.transform) : got));
      const meta = (page.metadata ?? {}) as { continue?: string; resourceVersion?: string };
      cont = meta.continue ?? '';
      rv = meta.resourceVersion ?? rv;
    } while (cont);
    this.stats.lists++;
    this.#relist = false;
    this.#replace(items);
    this.#rv = rv;
    if (!this.#synced) {
      this.#synced = true;
      for (const w of this.#syncWaiters.splice(0)) w();
    }
    this.#call('listed', (h) => h.listed?.());
  }

  /** The cache becomes `items`: what is new is added, what changed updated, what is gone deleted. */
  #replace(items: readonly T[]): void {
    const next = new Map(items.map((o) => [objectKey(o), o] as const));
    // Deleting the current entry while iterating a Map is safe.
    for (const [k, old] of this.#items) {
      if (next.has(k)) continue;
      this.#items.delete(k);
      this.#call('delete', (h) => h.delete?.(old));
    }
    for (const [k, o] of next) {
      const old = this.#items.get(k);
      this.#items.set(k, o);
      if (!old) this.#call('add', (h) => h.add?.(o));
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion || old.metadata?.uid !== o.metadata?.uid) this.#call('update', (h) => h.update?.(old, o));
    }
  }

  /** One watch from the current resourceVersion; returns the number of events it delivered. */
  async #watch(signal: AbortSignal): Promise<number> {
    const t = this.#opts.watchTimeoutSeconds;
    const timeout = Math.round(t + Math.random() * t);
    let n = 0;
    let failure: unknown;
    let stop = () => {};
    this.stats.watches++;
    const w = await this.#client.watch(
      this.#query({ watch: 'true', resourceVersion: this.#rv ?? '', allowWatchBookmarks: 'true', timeoutSeconds: String(timeout) }),
      (ev) => {
        if (failure !== undefined || signal.aborted) return;
        try {
          n++;
          this.#apply(ev);
        } catch (err) {
          // A 410 or another ERROR event: this stream is over.
          failure = err;
          stop();
        }
      },
      { idleTimeoutMs: (timeout + 30) * 1000 },
    );
    stop = () => w.stop();
    if (failure !== undefined || signal.aborted) w.stop();
    signal.addEventListener('abort', stop, { once: true });
    try {
      await w.done;
    } finally {
      signal.removeEventListener('abort', stop);
    }
    if (failure !== undefined) throw failure;
    return n;
  }

  #apply(ev: WatchEvent): void {
    const raw = ev.object as T;
    const o = this.#opts.transform && ev.type !== 'ERROR' && ev.type !== 'BOOKMARK' ? this.#opts.transform(raw) : raw;
    if (ev.type === 'ERROR') {
      const st = o as unknown as { code?: number; message?: string; reason?: string };
      if (st.code === 410 || st.reason === 'Expired' || st.reason === 'Gone') throw new Expired(`watch: ${st.message ?? 'resource version too old'}`);
      throw new WatchError(`watch: error event: ${st.message ?? JSON.stringify(o)}`);
    }
    const rv = o.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (rv) this.#rv = rv;
      return;
    }
    const key = objectKey(o);
    const old = this.#items.get(key);
    if (ev.type === 'DELETED') {
      this.#items.delete(key);
      this.#call('delete', (h) => h.delete?.(o));
    } else if (ev.type === 'ADDED' || ev.type === 'MODIFIED') {
      this.#items.set(key, o);
      if (old) this.#call('update', (h) => h.update?.(old, o));
      else this.#call('add', (h) => h.add?.(o));
    } else {
      throw new WatchError(`watch: unknown event type ${JSON.stringify(ev.type)}`);
    }
    if (rv) this.#rv = rv;
  }
}
