// A stack of undo steps collected while ADD does its work, run in reverse when a later step
// fails (Go's deferred cleanups, netavark's teardown): every step runs even when an earlier one
// failed, and every failure is kept. The error that made us roll back stays the one reported.

export type UndoFn = () => unknown;

interface Step {
  what: string;
  undo: UndoFn;
}

/** The failures of a rollback or teardown, all of them. */
export class TeardownError extends AggregateError {
  constructor(errors: Error[], message = errors.map((e) => e.message).join('; ')) {
    super(errors, message);
    this.name = 'TeardownError';
  }
}

function asError(what: string, err: unknown): Error {
  const text = err instanceof Error ? err.message : String(err);
  return new Error(`${what}: ${text}`, { cause: err });
}

export class Rollback {
  #steps: Step[] = [];

  /** Registers how to undo what was just done; steps run last-in first-out. */
  add(what: string, undo: UndoFn): void {
    this.#steps.push({ what, undo });
  }

  /** Number of pending steps. */
  get size(): number {
    return this.#steps.length;
  }

  /** The work succeeded: forget every step. */
  commit(): void {
    this.#steps = [];
  }

  /**
   * Runs every pending step in reverse order (awaiting async ones), continuing past failures.
   * Returns the failures, each prefixed with its step's description; the stack is empty after.
   */
  async run(): Promise<Error[]> {
    const steps = this.#steps.toReversed();
    this.#steps = [];
    const errors: Error[] = [];
    for (const s of steps) {
      try {
        await s.undo();
      } catch (err) {
        errors.push(asError(s.what, err));
      }
    }
    return errors;
  }

  /** Like run() for steps that must stay synchronous (inside withNetns); a step returning a promise fails. */
  runSync(): Error[] {
    const steps = this.#steps.toReversed();
    this.#steps = [];
    const errors: Error[] = [];
    for (const s of steps) {
      try {
        const r = s.undo();
        if (r && typeof (r as { then?: unknown }).then === 'function') throw new TypeError('asynchronous undo step in runSync');
      } catch (err) {
        errors.push(asError(s.what, err));
      }
    }
    return errors;
  }

  /**
   * Rolls back after `cause` and returns `cause` for rethrowing. Rollback failures never replace
   * the original error (the runtime needs to see why ADD failed); they go to `log` (stderr).
   */
  async unwind(cause: unknown, log?: (msg: string) => void): Promise<unknown> {
    const errors = await this.run();
    for (const e of errors) log?.(`rollback: ${e.message}`);
    return cause;
  }
}

/** Runs `fn` with a fresh Rollback: committed on success, unwound (and the error rethrown) on failure. */
export async function withRollback<T>(fn: (rb: Rollback) => Promise<T> | T, log?: (msg: string) => void): Promise<T> {
  const rb = new Rollback();
  try {
    const out = await fn(rb);
    rb.commit();
    return out;
  } catch (err) {
    throw await rb.unwind(err, log);
  }
}

/**
 * Collects the failures of independent teardown steps (DEL): each step runs, errors are kept,
 * and throwIfAny() reports all of them at once.
 */
export class ErrorCollector {
  readonly errors: Error[] = [];

  /** Runs a synchronous step, keeping its error. Returns the step's value or undefined. */
  try<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (err) {
      this.errors.push(err instanceof Error ? err : new Error(String(err)));
      return undefined;
    }
  }

  /** Runs an async step, keeping its error. */
  async tryAsync<T>(fn: () => Promise<T>): Promise<T | undefined> {
    try {
      return await fn();
    } catch (err) {
      this.errors.push(err instanceof Error ? err : new Error(String(err)));
      return undefined;
    }
  }

  /** Throws the only error as is, several as a TeardownError, nothing when all steps passed. */
  throwIfAny(): void {
    if (this.errors.length === 1) throw this.errors[0];
    if (this.errors.length > 1) throw new TeardownError(this.errors);
  }
}
