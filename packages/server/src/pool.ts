// A pool of worker threads, each serving one request at a time (worker-source.ts). Why threads
// and not pre-started processes, with the measurements, is in the README ("Concurrency").
//
// - A request waits for a free worker, a new one (up to `max`), or at most `queueWaitMs`; then it
//   is handed back ('fallback': the launcher execs the binary, so a full pool never fails a call
//   and a request waiting on a nested one can never deadlock the pool).
// - A request past `deadlineMs` is answered with a CNI error and its worker is terminated (a
//   plugin stuck in a synchronous loop cannot be interrupted any other way); a worker that dies
//   fails only its own request.
// - Idle workers are kept warm, most recently used first, and retired after `idleMs`.
import { Worker } from 'node:worker_threads';
import { WORKER_SOURCE } from './worker-source';

/** How long an idle worker stays in a caller's network namespace. */
const FOREIGN_IDLE_MS = 2_000;

export interface Job {
  plugin: string;
  env: Record<string, string>;
  stdin: Uint8Array;
  /** An open fd of the caller's network namespace when it is not the server's (see server.ts). */
  netnsFd?: number;
  /** That namespace's inode: a worker serves callers of one namespace only, for its whole life. */
  netnsIno?: number;
  /** An open fd of the caller's mount namespace when it is not the server's (see worker-source.ts). */
  mntFd?: number;
  /** CNI_NETNS as the caller opened it: the plugin opens `fd` where it would open `path`. */
  cniNetns?: { path: string; fd: number };
}

export type Outcome = { kind: 'done'; status: number; stdout: string; stderr: string } | { kind: 'fallback'; why: string };

export interface PoolOptions {
  /** At most this many workers (and so requests running at once). */
  max: number;
  /** Workers kept even when idle. */
  min?: number;
  idleMs?: number;
  deadlineMs?: number;
  queueWaitMs?: number;
  /** Where plugin bundles come from: the binary's assets (default), or out/build when run under plain node. */
  bundleDir?: string;
  /** Plugins each new worker loads before its first request. */
  preload?: readonly string[];
  onEvent?: (event: PoolEvent) => void;
}

export type PoolEvent = 'spawn' | 'retire' | 'deadline' | 'crash' | 'fallback';

interface Slot {
  worker: Worker;
  /** The caller namespace this worker entered (undefined: the server's own). */
  netns?: number;
  busy?: { id: number; done: (o: Outcome) => void; timer: NodeJS.Timeout };
  idleTimer?: NodeJS.Timeout;
  served: number;
}

/** The CNI error a request gets when the server could not finish it. */
export function serverError(msg: string): Outcome {
  return { kind: 'done', status: 1, stdout: `${JSON.stringify({ code: 999, msg: `cni-ts serve: ${msg}` }, null, 4)}`, stderr: '' };
}

export class Pool {
  readonly #o: Required<Omit<PoolOptions, 'bundleDir' | 'onEvent'>> & Pick<PoolOptions, 'bundleDir' | 'onEvent'>;
  readonly #slots = new Set<Slot>();
  readonly #idle: Slot[] = [];
  readonly #waiting: { netns: number | undefined; take: (s: Slot | undefined) => void; timer: NodeJS.Timeout }[] = [];
  #nextId = 1;
  #closed = false;

  constructor(o: PoolOptions) {
    this.#o = { min: 0, idleMs: 60_000, deadlineMs: 120_000, queueWaitMs: 5_000, preload: [], ...o };
  }

  /**
   * Starts the `min` workers kept warm. Called once the socket listens: a worker's isolate start
   * competes for the CPU with the server's own start-up, and a call that comes first spawns one.
   */
  warm(): void {
    while (!this.#closed && this.#slots.size < this.#o.min) this.#release(this.#spawn());
  }

  get size(): number {
    return this.#slots.size;
  }

  get busy(): number {
    return this.#slots.size - this.#idle.length;
  }

  run(job: Job): Promise<Outcome> {
    if (this.#closed) return Promise.resolve({ kind: 'fallback', why: 'shutting down' });
    return this.#acquire(job.netnsIno).then((slot) => {
      if (!slot) {
        this.#o.onEvent?.('fallback');
        return { kind: 'fallback', why: 'no free worker' } as Outcome;
      }
      return this.#runOn(slot, job);
    });
  }

  /** Terminates every worker once its request (if any) is done; new requests fall back. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const w of this.#waiting.splice(0)) {
      clearTimeout(w.timer);
      w.take(undefined);
    }
    await Promise.all([...this.#slots].filter((s) => !s.busy).map((s) => this.#retire(s)));
  }

  // A worker stays in the network namespace of its first caller: netlink sockets and other
  // per-namespace handles a bundle caches live as long as the worker, so a worker never serves
  // callers of two namespaces (on a host, every caller is in the server's own: one kind).
  #acquire(netns: number | undefined): Promise<Slot | undefined> {
    for (let i = this.#idle.length - 1; i >= 0; i--) {
      const idle = this.#idle[i]!;
      if (idle.netns !== netns) continue;
      this.#idle.splice(i, 1);
      clearTimeout(idle.idleTimer);
      return Promise.resolve(idle);
    }
    if (this.#slots.size >= this.#o.max && this.#idle.length) void this.#retire(this.#idle[0]!, false);
    if (this.#slots.size < this.#o.max) return Promise.resolve(this.#spawn(netns));
    return new Promise((resolve) => {
      const entry = {
        netns,
        take: resolve,
        timer: setTimeout(() => {
          this.#waiting.splice(this.#waiting.indexOf(entry), 1);
          resolve(undefined);
        }, this.#o.queueWaitMs),
      };
      this.#waiting.push(entry);
    });
  }

  #spawn(netns?: number): Slot {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      argv: [],
      workerData: { bundleDir: this.#o.bundleDir },
      stdout: false,
      stderr: false,
    });
    const slot: Slot = { worker, served: 0, netns };
    this.#slots.add(slot);
    worker.unref();
    worker.on('message', (m: { id: number; status: number; stdout: string; stderr: string; retire: boolean }) => {
      const b = slot.busy;
      if (!b || b.id !== m.id) return;
      clearTimeout(b.timer);
      slot.busy = undefined;
      slot.served++;
      b.done({ kind: 'done', status: m.status, stdout: m.stdout, stderr: m.stderr });
      if (m.retire) void this.#retire(slot);
      else this.#release(slot);
    });
    const gone = (why: string) => {
      if (!this.#slots.has(slot)) return;
      this.#slots.delete(slot);
      const at = this.#idle.indexOf(slot);
      if (at >= 0) this.#idle.splice(at, 1);
      clearTimeout(slot.idleTimer);
      const b = slot.busy;
      slot.busy = undefined;
      if (b) {
        clearTimeout(b.timer);
        this.#o.onEvent?.('crash');
        b.done(serverError(why));
      }
      this.#refill();
    };
    worker.on('error', (err) => gone(`the worker serving this request failed: ${err.message}`));
    worker.on('exit', (code) => gone(`the worker serving this request exited (${code})`));
    // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a Worker, not a window
    if (this.#o.preload.length) worker.postMessage({ preload: this.#o.preload });
    this.#o.onEvent?.('spawn');
    return slot;
  }

  #runOn(slot: Slot, job: Job): Promise<Outcome> {
    return new Promise((done) => {
      const id = this.#nextId++;
      const timer = setTimeout(() => {
        if (slot.busy?.id !== id) return;
        slot.busy = undefined;
        this.#o.onEvent?.('deadline');
        done(serverError(`${job.plugin} ${job.env.CNI_COMMAND ?? ''} did not finish within ${this.#o.deadlineMs} ms`));
        void this.#retire(slot);
      }, this.#o.deadlineMs);
      slot.busy = { id, done, timer };
      // oxlint-disable-next-line unicorn/require-post-message-target-origin -- a Worker, not a window
      slot.worker.postMessage({ id, plugin: job.plugin, env: job.env, stdin: job.stdin, netnsFd: job.netnsFd, mntFd: job.mntFd, cniNetns: job.cniNetns });
    });
  }

  /** A worker free again: to the oldest waiting request, else to the idle stack. */
  #release(slot: Slot): void {
    if (this.#closed) {
      void this.#retire(slot);
      return;
    }
    const at = this.#waiting.findIndex((w) => w.netns === slot.netns);
    if (at >= 0) {
      const [next] = this.#waiting.splice(at, 1);
      clearTimeout(next!.timer);
      next!.take(slot);
      return;
    }
    if (this.#waiting.length) {
      // Waiting requests are all of other namespaces: make room for one of them.
      void this.#retire(slot);
      return;
    }
    this.#idle.push(slot);
    // A worker in a caller's namespace keeps that namespace alive: it goes soon after its last
    // request (a test's or a runtime's namespace is then freed when its owner deletes it).
    const foreign = slot.netns !== undefined;
    if (foreign || this.#slots.size > this.#o.min) {
      slot.idleTimer = setTimeout(
        () => {
          const at = this.#idle.indexOf(slot);
          if (at >= 0 && (foreign || this.#slots.size > this.#o.min)) {
            this.#idle.splice(at, 1);
            void this.#retire(slot);
          }
        },
        foreign ? Math.min(this.#o.idleMs, FOREIGN_IDLE_MS) : this.#o.idleMs,
      );
      slot.idleTimer.unref();
    }
  }

  /** Room for a waiting request after a worker went away. */
  #refill(): void {
    if (this.#closed) return;
    while (this.#waiting.length && this.#slots.size < this.#o.max) {
      const next = this.#waiting.shift()!;
      clearTimeout(next.timer);
      next.take(this.#spawn(next.netns));
    }
  }

  async #retire(slot: Slot, refill = true): Promise<void> {
    if (!this.#slots.has(slot)) return;
    this.#slots.delete(slot);
    const at = this.#idle.indexOf(slot);
    if (at >= 0) this.#idle.splice(at, 1);
    clearTimeout(slot.idleTimer);
    this.#o.onEvent?.('retire');
    if (refill) this.#refill();
    await slot.worker.terminate();
  }
}
