// A work queue of keys, as client-go's rate-limited workqueue: a key waiting is not added
// twice; a key being worked on and added again runs once more afterwards (never two workers on
// one key); a failure is retried after a per-key delay that doubles up to a ceiling, and
// `forget` starts that delay over. One worker: the controller's writes for one Service never
// interleave with another sync of the same Service.

export interface WorkQueueOptions {
  /** First retry delay and its ceiling (default 50 ms .. 30 s). */
  backoffMs?: { initial: number; max: number };
  log?: (msg: string) => void;
}

export class WorkQueue {
  readonly #ready: string[] = [];
  readonly #queued = new Set<string>();
  readonly #timers = new Map<string, NodeJS.Timeout>();
  readonly #failures = new Map<string, number>();
  readonly #opts: Required<Omit<WorkQueueOptions, 'log'>> & WorkQueueOptions;
  #active: string | undefined;
  #dirty = false;
  #worker: ((key: string) => Promise<void>) | undefined;
  #wake: (() => void) | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(opts: WorkQueueOptions = {}) {
    this.#opts = { ...opts, backoffMs: opts.backoffMs ?? { initial: 50, max: 30_000 } };
  }

  /** Queues `key` now, or after `delayMs` (an earlier pending add wins). */
  add(key: string, delayMs = 0): void {
    if (this.#stopped) return;
    if (delayMs > 0) {
      if (this.#timers.has(key) || this.#queued.has(key)) return;
      const t = setTimeout(() => {
        this.#timers.delete(key);
        this.add(key);
      }, delayMs);
      this.#timers.set(key, t);
      return;
    }
    const t = this.#timers.get(key);
    if (t) {
      clearTimeout(t);
      this.#timers.delete(key);
    }
    if (key === this.#active) {
      this.#dirty = true;
      return;
    }
    if (this.#queued.has(key)) return;
    this.#queued.add(key);
    this.#ready.push(key);
    this.#wake?.();
  }

  /** Queues `key` again after its backoff (which doubles with each consecutive failure). */
  retry(key: string): void {
    const n = this.#failures.get(key) ?? 0;
    this.#failures.set(key, n + 1);
    const { initial, max } = this.#opts.backoffMs;
    this.add(key, Math.min(initial * 2 ** n, max));
  }

  /** The key worked: its next failure starts from the first delay. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Keys waiting or running (tests). */
  get length(): number {
    return this.#ready.length + this.#timers.size + (this.#active ? 1 : 0);
  }

  /** Runs `worker` on each key; a thrown error retries the key. */
  run(worker: (key: string) => Promise<void>): void {
    this.#worker = worker;
    this.#loop ??= this.#run();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const t of this.#timers.values()) clearTimeout(t);
    this.#timers.clear();
    this.#ready.length = 0;
    this.#queued.clear();
    this.#wake?.();
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      const key = this.#ready.shift();
      if (key === undefined) {
        await new Promise<void>((resolve) => (this.#wake = resolve));
        this.#wake = undefined;
        continue;
      }
      this.#queued.delete(key);
      this.#active = key;
      this.#dirty = false;
      try {
        await this.#worker!(key);
        this.forget(key);
      } catch (err) {
        this.#opts.log?.(`${key}: ${(err as Error).message}; retrying`);
        this.#active = undefined;
        this.retry(key);
      }
      this.#active = undefined;
      if (this.#dirty) this.add(key);
    }
  }
}
