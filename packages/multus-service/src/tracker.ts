// The slices this controller wrote that its watch has not shown yet (client-go's
// endpointSliceTracker, by resourceVersion). While a Service has such a write in flight, its
// cache is stale: a sync then would not see the slice it just created and create another one.
// A write is settled when the watch (or a re-list) delivers exactly that resourceVersion (or
// the deletion), or after `maxAgeMs`: a later write by someone else may have hidden ours from a
// re-list, and the next sync reads whatever is there. A re-list does not settle writes by
// itself: it may have been answered before our write.
import { keyOf, type EndpointSlice } from './kube-types';
import { SERVICE_NAME_LABEL } from './constants';

interface Pending {
  service: string;
  /** The resourceVersion we wrote, or null for a delete. */
  rv: string | null;
  at: number;
}

export class SliceTracker {
  readonly #pending = new Map<string, Pending>();
  readonly #maxAgeMs: number;

  constructor(maxAgeMs = 5000) {
    this.#maxAgeMs = maxAgeMs;
  }

  #service(s: EndpointSlice): string {
    return `${s.metadata.namespace ?? ''}/${s.metadata.labels?.[SERVICE_NAME_LABEL] ?? ''}`;
  }

  /** We created or updated `s` (the server's answer). */
  wrote(s: EndpointSlice): void {
    this.#pending.set(keyOf(s), { service: this.#service(s), rv: s.metadata.resourceVersion ?? null, at: Date.now() });
  }

  /** We deleted `s`. */
  deleted(s: EndpointSlice): void {
    this.#pending.set(keyOf(s), { service: this.#service(s), rv: null, at: Date.now() });
  }

  /** The watch showed `s` (added or updated). */
  observe(s: EndpointSlice): void {
    const p = this.#pending.get(keyOf(s));
    if (p && p.rv !== null && p.rv === s.metadata.resourceVersion) this.#pending.delete(keyOf(s));
  }

  /** The watch showed the deletion of `s`. */
  observeDelete(s: EndpointSlice): void {
    const p = this.#pending.get(keyOf(s));
    if (p && p.rv === null) this.#pending.delete(keyOf(s));
  }

  /** Whether a write for this Service (`namespace/name`) has not shown up in the cache yet. */
  stale(service: string): boolean {
    const now = Date.now();
    let stale = false;
    for (const [k, p] of this.#pending) {
      if (now - p.at > this.#maxAgeMs) this.#pending.delete(k);
      else if (p.service === service) stale = true;
    }
    return stale;
  }
}
