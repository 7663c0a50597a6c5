// Bounded retries with jitter, the concurrency control of both stores: a lost race (someone else
// took the address, the object changed under us) or a transient failure is retried after a
// random pause that grows with the attempt, within an attempt budget and a deadline.

export interface RetryBudget {
  /** Attempts in all (whereabouts: DatastoreRetries = 100). */
  attempts: number;
  /** Absolute deadline (ms since the epoch): ADD 2 min, DEL 1 min, as upstream. */
  deadline: number;
  /** First pause bound in ms (default 5) and the largest (default 500). */
  baseMs?: number;
  maxMs?: number;
}

/** Full jitter: a pause drawn from [0, min(max, base·2^attempt)]. */
export function jitter(attempt: number, baseMs = 5, maxMs = 500): number {
  return Math.random() * Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 16));
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Time left before the deadline, at least 1 ms. */
export const remaining = (deadline: number) => Math.max(1, deadline - Date.now());

export class BudgetExhausted extends Error {}

/** A step's answer for "lost a race, but made progress: try again at once". */
export const AGAIN = Symbol('again');

/**
 * Runs `step` until it returns a value; `step` returns undefined to ask for another attempt
 * after a jittered pause (growing with each pause), AGAIN for one at once, and throws to fail. Fails with BudgetExhausted (carrying `last()`'s
 * text) when the attempts or the time run out.
 */
export async function retry<T>(budget: RetryBudget, step: (attempt: number) => Promise<T | undefined | typeof AGAIN>, last: () => string): Promise<T> {
  let pauses = 0;
  for (let attempt = 0; attempt < budget.attempts; attempt++) {
    if (Date.now() >= budget.deadline) break;
    const out = await step(attempt);
    if (out === AGAIN) continue;
    if (out !== undefined) return out;
    await sleep(Math.min(jitter(pauses++, budget.baseMs, budget.maxMs), remaining(budget.deadline)));
  }
  throw new BudgetExhausted(last());
}

/**
 * How long a store may stay unreachable within one command before the command gives up (the
 * rest of the budget is for lost races): a cluster that is down fails an ADD in seconds, not at
 * the end of its 2 minutes.
 */
export class Outage {
  #since: number | undefined;
  readonly limitMs: number;
  constructor(limitMs: number) {
    this.limitMs = limitMs;
  }
  /** The store answered. */
  ok(): void {
    this.#since = undefined;
  }
  /** The store did not answer; true when it has not for longer than the limit. */
  failed(): boolean {
    this.#since ??= Date.now();
    return Date.now() - this.#since >= this.limitMs;
  }
}

/**
 * One attempt of a store's retry loop: `fn`'s answer; or, when it fails with what `transient`
 * accepts (the store unreachable, a leader election) and the store has not been unreachable for
 * longer than `outage` allows, undefined (pause, then again) after noting why.
 */
export async function tryOnce<T>(fn: () => Promise<T | undefined | typeof AGAIN>, transient: (err: unknown) => boolean, outage: Outage, note: (m: string) => void): Promise<T | undefined | typeof AGAIN> {
  try {
    const out = await fn();
    outage.ok();
    return out;
  } catch (err) {
    if (!transient(err) || outage.failed()) throw err;
    note(err instanceof Error ? err.message : String(err));
    return undefined;
  }
}
