// The Kubernetes store: whereabouts' IPPool and OverlappingRangeIPReservation objects, with the
// API server's own concurrency control instead of whereabouts' cluster-wide Lease:
//
// - an OverlappingRangeIPReservation `create` is the claim on one address (the API server lets
//   exactly one create of a name succeed), made before the pool is written;
// - the pool is written with a JSON Patch whose `test` operations pin what it changes: the
//   entry is absent before an `add`, unchanged before a `remove` (the server applies the patch
//   to the object it stores, atomically), and optionally the pool's resourceVersion;
// - a lost race or a transient failure is retried after a jittered pause, within whereabouts'
//   budget (100 attempts, 2 min for ADD, 1 min for DEL).
//
// Why this stays safe next to whereabouts instances that still take the Lease: docs/compat.md.
import type { Addr } from '@cni-ts/cni/ip';
import { ApiError, isConflict, isNotFound, isRetriable, loadKubeClient, TransportError, type KubeClient, type KubeObject } from '@cni-ts/kube';
import { type Attachment, heldBy, lowestFree, releasable, type Reservation } from '../allocate';
import { type Logger, silentLogger } from '../log';
import { offsetKey, poolName, reservationName } from '../names';
import { type IpRange, ipText } from '../range';
import { AGAIN, BudgetExhausted, Outage, retry, sleep, tryOnce } from '../retry';
import { DEFAULT_ATTEMPTS, REQUEST_TIMEOUT_MS, type Store, type StoreOptions, UNAVAILABLE_MS } from '../store';
import { allocationOf, newPool, newReservation, poolPath, poolsPath, type PoolView, readPool, readReservation, reservationPath, reservationsPath, type ReservationView } from './objects';

export interface KubernetesStoreOptions extends StoreOptions {
  /** Where pools and reservations live (default: the kubeconfig context's namespace, else kube-system). */
  namespace?: string;
  /**
   * What a pool write tests besides its own entry: `entry` (the entry only: writers of
   * different addresses never conflict) or `resourceVersion` (the whole pool, as whereabouts
   * does: every concurrent writer of the pool conflicts).
   */
  guard?: 'entry' | 'resourceVersion';
  log?: Logger;
}

const JSON_PATCH = { contentType: 'application/json-patch+json' };

/** A failure to report as it is (no retry). */
class Fatal extends Error {}

const why = (err: unknown) => (err instanceof Error ? err.message : String(err));


export class KubernetesStore implements Store {
  readonly client: KubeClient;
  readonly namespace: string;
  readonly #opts: KubernetesStoreOptions;
  readonly #log: Logger;

  constructor(client: KubeClient, opts: KubernetesStoreOptions) {
    this.client = client;
    this.namespace = opts.namespace ?? client.namespace ?? 'kube-system';
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
  }

  /** A store on the API server of a kubeconfig (whereabouts' kubernetes.kubeconfig). */
  static async open(kubeconfig: string, opts: KubernetesStoreOptions, env: Readonly<Record<string, string | undefined>> = process.env): Promise<KubernetesStore> {
    const client = await loadKubeClient({ kubeconfig, env, userAgent: 'whereabouts-cni-ts', keepAlive: true });
    if (!client) throw new Error(`failed instantiating kubernetes client: no kubeconfig`);
    return new KubernetesStore(client, opts);
  }

  async close(): Promise<void> {
    // Connections are per process; nothing to hold open.
  }

  get #attempts() {
    return this.#opts.attempts ?? DEFAULT_ATTEMPTS;
  }

  #req(method: string, path: string, body?: unknown, extra: { contentType?: string } = {}): Promise<KubeObject> {
    return this.client.request(method, path, body, { timeoutMs: this.#opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, ...extra });
  }

  /** getPool: the pool of a range, created (as whereabouts creates it) when absent. */
  async #pool(range: IpRange, create: boolean): Promise<PoolView | undefined> {
    return this.#poolNamed(poolName(range.cidr, this.#opts.networkName), create ? range.cidr : undefined);
  }

  /** A pool by name; created for `cidr` when absent and `cidr` is given. */
  async #poolNamed(name: string, cidr?: string): Promise<PoolView | undefined> {
    const get = async () => {
      try {
        return await this.#req('GET', poolPath(this.namespace, name));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    };
    let obj = await get();
    if (!obj && cidr) {
      try {
        await this.#req('POST', poolsPath(this.namespace), newPool(name, cidr));
        this.#log.debug(`created IPPool ${this.namespace}/${name} for ${cidr}`);
      } catch (err) {
        if (!isConflict(err)) throw new Fatal(`k8s create error: ${why(err)}`, { cause: err });
      }
      obj = await get();
    }
    if (!obj) return undefined;
    const view = readPool(obj);
    if (!view) throw new Fatal(`IPPool ${name}: spec.range ${JSON.stringify((obj.spec as { range?: unknown } | undefined)?.range)} is not a CIDR`);
    return view;
  }

  /** A pool write: the tests, then the change. Answers false when a test failed (a lost race). */
  async #patchPool(pool: PoolView, ops: unknown[]): Promise<boolean> {
    const head: unknown[] = [];
    if (this.#opts.guard === 'resourceVersion') head.push({ op: 'test', path: '/metadata/resourceVersion', value: pool.resourceVersion });
    if (!pool.hasAllocations) head.push({ op: 'test', path: '/spec/allocations', value: null }, { op: 'add', path: '/spec/allocations', value: {} });
    if (this.#opts.sleepForRaceMs) await sleep(this.#opts.sleepForRaceMs);
    try {
      await this.#req('PATCH', poolPath(this.namespace, pool.name), [...head, ...ops], JSON_PATCH);
      return true;
    } catch (err) {
      // 422: a test failed; 404: the pool is gone; 409: the server lost a race of its own.
      if (err instanceof ApiError && [404, 409, 422].includes(err.status)) return false;
      throw err;
    }
  }

  /**
   * The claim on `ip`: create its OverlappingRangeIPReservation. `ours` when this attachment holds
   * it (just created, or left by an earlier try), `taken` when another does.
   */
  async #claim(ip: Addr, who: Attachment): Promise<{ state: 'ours'; created: boolean; uid: string } | { state: 'taken'; by: string; resourceVersion: string } | { state: 'gone' }> {
    const name = reservationName(ip, this.#opts.networkName);
    try {
      const made = await this.#req('POST', reservationsPath(this.namespace), newReservation(name, this.namespace, who.podRef, who.ifname));
      return { state: 'ours', created: true, uid: made.metadata?.uid ?? '' };
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 409)) throw err;
    }
    let cur: ReservationView;
    try {
      cur = readReservation(await this.#req('GET', reservationPath(this.namespace, name)));
    } catch (err) {
      if (isNotFound(err)) return { state: 'gone' };
      throw err;
    }
    if (cur.podRef === who.podRef && cur.ifname === who.ifname) return { state: 'ours', created: false, uid: cur.uid };
    return { state: 'taken', by: `${cur.podRef}${cur.ifname ? ` (${cur.ifname})` : ''}`, resourceVersion: cur.resourceVersion };
  }

  /** Deletes a reservation, only the one seen (uid precondition); a missing one is fine. */
  async #unclaim(name: string, uid: string): Promise<boolean> {
    try {
      await this.#req('DELETE', reservationPath(this.namespace, name), { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid } });
      return true;
    } catch (err) {
      if (isNotFound(err) || isConflict(err)) return false;
      throw err;
    }
  }

  /** The reservation of an address released from a pool, deleted when it is that allocation's. */
  async #releaseClaim(r: Reservation, networkName = this.#opts.networkName): Promise<void> {
    const name = reservationName(r.ip, networkName);
    let cur: ReservationView;
    try {
      cur = readReservation(await this.#req('GET', reservationPath(this.namespace, name)));
    } catch (err) {
      if (isNotFound(err)) return;
      throw err;
    }
    // Upstream deletes it by name whoever holds it; another pod's claim stays.
    if (cur.podRef !== r.podRef || (cur.ifname !== '' && r.ifname !== '' && cur.ifname !== r.ifname)) {
      this.#log.debug(`not deleting OverlappingRangeIPReservation ${name}: held by ${cur.podRef}, not ${r.podRef}`);
      return;
    }
    await this.#unclaim(name, cur.uid);
  }

  /** Retries transient API failures; reports the rest. */
  #step<T>(fn: () => Promise<T | undefined | typeof AGAIN>, note: (m: string) => void, outage: Outage): Promise<T | undefined | typeof AGAIN> {
    return tryOnce(fn, (err) => isRetriable(err) || (err instanceof TransportError && err.code === 'ECONNRESET'), outage, note);
  }


  async allocate(range: IpRange, who: Attachment, deadline: number): Promise<{ ip: Addr; fresh: boolean }> {
    const skip = new Set<string>();
    let last = '';
    const outage = new Outage(this.#opts.unavailableMs ?? UNAVAILABLE_MS);
    // Races lost while the pool was changing (concurrent ADDs): each widens the window the next
    // candidate is drawn from. A claim lost while the pool stays as it was is another range's
    // reservation: the lowest-free order is kept.
    let lost = 0;
    let seenVersion: string | undefined;
    let contended = false;
    // A claim made in an earlier attempt, kept while its address stays the candidate.
    let claim: { ip: Addr; uid: string; created: boolean } | undefined;
    const drop = async () => {
      if (claim?.created) await this.#unclaim(reservationName(claim.ip, this.#opts.networkName), claim.uid);
      claim = undefined;
    };
    try {
      return await retry(
        { attempts: this.#attempts, deadline, maxMs: 100 },
        (attempt) =>
          this.#step(async () => {
            const pool = (await this.#pool(range, true))!;
            if (seenVersion !== undefined && seenVersion !== pool.resourceVersion) contended = true;
            seenVersion = pool.resourceVersion;
            const held = heldBy(pool.reservations, who);
            if (held) {
              if (claim && ipText(claim.ip) !== ipText(held.ip)) await drop();
              const kept = await this.#keep(pool, held, who);
              return kept && { ip: kept, fresh: false };
            }
            const taken = new Set([...pool.reservations.map((r) => ipText(r.ip)), ...skip]);
            const ip = claim && !taken.has(ipText(claim.ip)) ? claim.ip : lowestFree(range, taken, pool.base, contended && lost > 0 ? 2 ** Math.min(lost, 6) : 1);
            if (claim && ipText(claim.ip) !== ipText(ip)) await drop();
            if (this.#opts.overlappingRanges && !claim) {
              const c = await this.#claim(ip, who);
              if (c.state === 'taken') {
                skip.add(ipText(ip));
                lost++;
                last = `${ipText(ip)} is reserved by ${c.by} (OverlappingRangeIPReservation)`;
                this.#log.debug(`attempt ${attempt}: ${last}`);
                return AGAIN;
              }
              if (c.state === 'gone') return AGAIN;
              claim = { ip, uid: c.uid, created: c.created };
            }
            const key = offsetKey(ip, pool.base);
            const ok = await this.#patchPool(pool, [
              { op: 'test', path: `/spec/allocations/${key}`, value: null },
              { op: 'add', path: `/spec/allocations/${key}`, value: allocationOf(who) },
            ]);
            if (ok) {
              claim = undefined;
              return { ip, fresh: true };
            }
            lost++;
            last = `IPPool ${pool.name} changed while ${ipText(ip)} was being added`;
            this.#log.debug(`attempt ${attempt}: ${last}`);
            return undefined;
          }, (m) => (last = m), outage),
        () => last,
      );
    } catch (err) {
      if (err instanceof BudgetExhausted) throw new Error(`could not allocate an address in ${range.cidr} within the retry budget: ${err.message}`, { cause: err });
      throw err;
    } finally {
      await drop().catch(() => undefined);
    }
  }

  /** The address the attachment already holds: its container id brought up to date, its claim made sure of. */
  async #keep(pool: PoolView, held: PoolView['reservations'][number], who: Attachment): Promise<Addr | undefined> {
    if (held.containerID !== who.containerID) {
      const path = `/spec/allocations/${held.key}`;
      const ok = await this.#patchPool(pool, [
        { op: 'test', path, value: held.raw },
        { op: 'replace', path, value: allocationOf({ ...held, containerID: who.containerID }) },
      ]);
      if (!ok) return undefined;
    }
    if (this.#opts.overlappingRanges) {
      const c = await this.#claim(held.ip, who);
      if (c.state === 'taken') this.#log.error(`${ipText(held.ip)} of ${who.podRef} (${who.ifname}) is also reserved by ${c.by}`);
      if (c.state === 'gone') return undefined;
    }
    return held.ip;
  }

  async release(range: IpRange, containerID: string, ifname: string, deadline: number): Promise<Addr | undefined> {
    const name = poolName(range.cidr, this.#opts.networkName);
    const r = await this.#removeMatching(name, (rs) => releasable(rs, containerID, ifname), this.#opts.overlappingRanges ? this.#opts.networkName : undefined, deadline);
    return r?.ip;
  }

  /**
   * Removes the entry `pick` chooses from pool `name` (re-read and re-chosen after each lost
   * race), then its reservation (under `networkName`; undefined: none) when that is the same
   * pod's. The entry removed, or undefined when `pick` found none.
   */
  async #removeMatching(
    name: string,
    pick: (rs: PoolView['reservations']) => PoolView['reservations'][number] | undefined,
    networkName: string | undefined,
    deadline: number,
  ): Promise<Reservation | undefined> {
    let last = '';
    const outage = new Outage(this.#opts.unavailableMs ?? UNAVAILABLE_MS);
    const out = await retry(
      { attempts: this.#attempts, deadline, maxMs: 100 },
      () =>
        this.#step(async () => {
          const pool = await this.#poolNamed(name);
          const r = pool && pick(pool.reservations);
          if (!pool || !r) return { r: undefined };
          if (!(await this.#removeEntry(pool, r))) {
            last = `IPPool ${pool.name} changed while ${ipText(r.ip)} was being released`;
            return undefined;
          }
          if (networkName !== undefined) await this.#releaseClaim(r, networkName);
          return { r: r as Reservation | undefined };
        }, (m) => (last = m), outage),
      () => last,
    );
    return out.r;
  }

  #removeEntry(pool: PoolView, r: PoolView['reservations'][number]): Promise<boolean> {
    const path = `/spec/allocations/${r.key}`;
    return this.#patchPool(pool, [
      { op: 'test', path, value: r.raw },
      { op: 'remove', path },
    ]);
  }

  async reservations(range: IpRange): Promise<Reservation[]> {
    const pool = await this.#pool(range, false);
    return (pool?.reservations ?? []).map(({ ip, containerID, podRef, ifname }) => ({ ip, containerID, podRef, ifname }));
  }

  async remove(range: IpRange, r: Reservation, deadline: number): Promise<boolean> {
    return this.removeFromPool(poolName(range.cidr, this.#opts.networkName), r, this.#opts.networkName, deadline);
  }

  /**
   * Removes one allocation of pool `name` if it is still there unchanged (GC, the reconciler),
   * and its reservation (named under `networkName`) when that is the same pod's.
   */
  async removeFromPool(name: string, r: Reservation, networkName: string, deadline: number): Promise<boolean> {
    const same = (x: Reservation) => ipText(x.ip) === ipText(r.ip) && x.containerID === r.containerID && x.podRef === r.podRef && x.ifname === r.ifname;
    return (await this.#removeMatching(name, (rs) => rs.find(same), networkName, deadline)) !== undefined;
  }

  /** Deletes a reservation object if it is still the one seen (uid); false when it was not. */
  deleteReservation(name: string, uid: string): Promise<boolean> {
    return this.#unclaim(name, uid);
  }

  async whereIs(r: Reservation, node: string): Promise<'here' | 'elsewhere' | 'gone'> {
    const slash = r.podRef.indexOf('/');
    if (slash < 0) return 'elsewhere';
    const path = `/api/v1/namespaces/${encodeURIComponent(r.podRef.slice(0, slash))}/pods/${encodeURIComponent(r.podRef.slice(slash + 1))}`;
    try {
      const pod = await this.#req('GET', path);
      return (pod.spec as { nodeName?: string } | undefined)?.nodeName === node ? 'here' : 'elsewhere';
    } catch (err) {
      if (isNotFound(err)) return 'gone';
      throw err;
    }
  }
}
