// client-go's client-side rate limit (flowcontrol.NewTokenBucketRateLimiter): `burst` requests
// at once, then `qps` per second; a caller waits its turn in arrival order. Multus sets QPS 50,
// burst 50 on every client it makes (client-go's own default is 5 / 10).
export const MULTUS_QPS = 50;
export const MULTUS_BURST = 50;

export class RateLimiter {
  readonly qps: number;
  readonly burst: number;
  #tokens: number;
  #last = performance.now();

  constructor(qps: number, burst: number) {
    if (!(qps > 0) || !(burst >= 1)) throw new Error(`a rate limit needs qps > 0 and burst >= 1 (got ${qps}, ${burst})`);
    this.qps = qps;
    this.burst = Math.floor(burst);
    this.#tokens = this.burst;
  }

  /**
   * Milliseconds the caller must wait for its token (0: go now); the token is taken. Tokens may
   * go negative: each caller reserves the next slot, so waiters are served in arrival order.
   */
  reserve(now = performance.now()): number {
    const elapsed = Math.max(0, now - this.#last);
    this.#tokens = Math.min(this.burst, this.#tokens + (elapsed * this.qps) / 1000);
    this.#last = Math.max(this.#last, now);
    this.#tokens -= 1;
    if (this.#tokens >= 0) return 0;
    return (-this.#tokens * 1000) / this.qps;
  }

  /** Waits for a token. */
  async wait(): Promise<void> {
    const ms = this.reserve();
    if (ms > 0) await new Promise((r) => setTimeout(r, ms));
  }
}
