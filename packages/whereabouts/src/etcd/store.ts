// The etcd v3 store: the same allocator, for hosts without Kubernetes (podman, containerd,
// Nomad on several machines), with whereabouts' etcd_* settings. No lock and no lease: an
// address is reserved by creating its key in a transaction that requires the key not to exist
// (create revision 0), so any number of hosts can allocate at once and never share an address.
//
//   /whereabouts/pools/<pool name>/<offset>      {"id", "podref", "ifname", "node"}   one per address
//   /whereabouts/reservations/<reservation name>  {"podref", "ifname", "containerid", "node", "pool"}
//
// Pool and reservation names are those of the Kubernetes objects (network_name included); the
// reservation key (with enable_overlapping_ranges) is created in the same transaction, so
// overlapping ranges exclude each other cluster-wide. whereabouts v0.5 kept a whole range in one
// key (/whereabouts/<range>, "<ip> <containerID>" lines, under a mutex): such a key is read, and
// its addresses are never handed out, but it is not written.
import type { Addr } from '@cni-ts/cni/ip';
import { type Attachment, heldBy, lowestFree, releasable, type Reservation } from '../allocate';
import type { EtcdConfig } from '../config';
import { type Logger, silentLogger } from '../log';
import { ipAtOffset, offsetKey, poolName, reservationName } from '../names';
import { type IpRange, ipText, parseIPSloppy } from '../range';
import { AGAIN, BudgetExhausted, Outage, retry, sleep, tryOnce } from '../retry';
import { DEFAULT_ATTEMPTS, REQUEST_TIMEOUT_MS, type Store, type StoreOptions, UNAVAILABLE_MS } from '../store';
import { type Compare, EtcdClient, EtcdError, EtcdUnavailableError, type KeyValue, type Op } from './client';

export const PREFIX = '/whereabouts';

export interface EtcdStoreOptions extends StoreOptions {
  /** This host's name, recorded with each reservation (GC releases only its own). */
  node: string;
  log?: Logger;
  dialTimeoutMs?: number;
}

interface Entry extends Reservation {
  key: string;
  modRevision: string;
  node: string;
}

const poolPrefix = (pool: string) => `${PREFIX}/pools/${pool}/`;
const reservationKey = (name: string) => `${PREFIX}/reservations/${name}`;

/** A pool key (`<prefix><offset>`) and its value, as an entry; undefined when unreadable. */
function parseEntry(kv: KeyValue, prefix: string, base: Addr): Entry | undefined {
  const ip = ipAtOffset(base, kv.key.slice(prefix.length));
  let v: { id?: unknown; podref?: unknown; ifname?: unknown; node?: unknown };
  try {
    v = JSON.parse(kv.value) as typeof v;
  } catch {
    return undefined;
  }
  if (!ip || !v || typeof v !== 'object') return undefined;
  return { key: kv.key, modRevision: kv.modRevision, ip, containerID: String(v.id ?? ''), podRef: String(v.podref ?? ''), ifname: String(v.ifname ?? ''), node: String(v.node ?? '') };
}

const transient = (err: unknown) => err instanceof EtcdUnavailableError || (err instanceof EtcdError && err.transient);

export class EtcdStore implements Store {
  readonly client: EtcdClient;
  readonly #opts: EtcdStoreOptions;
  readonly #log: Logger;

  constructor(client: EtcdClient, opts: EtcdStoreOptions) {
    this.client = client;
    this.#opts = opts;
    this.#log = opts.log ?? silentLogger;
  }

  static open(conf: EtcdConfig, opts: EtcdStoreOptions): EtcdStore {
    const client = new EtcdClient({
      endpoints: conf.endpoints,
      username: conf.username,
      password: conf.password,
      // whereabouts v0.5 used TLS only with both a certificate and a key; a CA alone verifies the server.
      caFile: conf.caCertFile || undefined,
      certFile: conf.certFile && conf.keyFile ? conf.certFile : undefined,
      keyFile: conf.certFile && conf.keyFile ? conf.keyFile : undefined,
      requestTimeoutMs: opts.requestTimeoutMs ?? REQUEST_TIMEOUT_MS,
      dialTimeoutMs: opts.dialTimeoutMs,
    });
    return new EtcdStore(client, opts);
  }

  async close(): Promise<void> {
    this.client.close();
  }

  get #attempts() {
    return this.#opts.attempts ?? DEFAULT_ATTEMPTS;
  }

  /** The pool's entries (its addresses: offsets from the network address) and the legacy v0.5 key's addresses. */
  async #read(range: IpRange): Promise<{ entries: Entry[]; legacy: string[]; revision: bigint }> {
    const prefix = poolPrefix(poolName(range.cidr, this.#opts.networkName));
    const r = await this.client.txn([], [{ range: { key: prefix, prefix: true } }, { range: { key: `${PREFIX}/${range.cidr}` } }]);
    const entries = (r.responses[0] ?? []).map((kv) => parseEntry(kv, prefix, range.network)).filter((e): e is Entry => !!e);
    const legacy = (r.responses[1]?.[0]?.value ?? '')
      .split('\n')
      .map((line) => parseIPSloppy(line.split(' ')[0] ?? ''))
      .filter((ip): ip is Addr => !!ip)
      .map(ipText);
    return { entries, legacy, revision: BigInt(r.revision) };
  }

  #value(who: Attachment): string {
    return JSON.stringify({ id: who.containerID, podref: who.podRef, ifname: who.ifname, node: this.#opts.node });
  }

  #claimValue(who: Attachment, pool: string): string {
    return JSON.stringify({ podref: who.podRef, ifname: who.ifname, containerid: who.containerID, node: this.#opts.node, pool });
  }

  /** Runs a step; an unreachable cluster or a leader election is retried (after a pause), the rest reported. */
  #step<T>(fn: () => Promise<T | undefined | typeof AGAIN>, note: (m: string) => void, outage: Outage): Promise<T | undefined | typeof AGAIN> {
    return tryOnce(fn, transient, outage, note);
  }


  async allocate(range: IpRange, who: Attachment, deadline: number): Promise<{ ip: Addr; fresh: boolean }> {
    const pool = poolName(range.cidr, this.#opts.networkName);
    const prefix = poolPrefix(pool);
    const skip = new Set<string>();
    let lost = 0;
    let last = '';
    const outage = new Outage(this.#opts.unavailableMs ?? UNAVAILABLE_MS);
    try {
      return await retry(
        { attempts: this.#attempts, deadline, maxMs: 200 },
        () =>
          this.#step(async () => {
            const { entries, legacy, revision } = await this.#read(range);
            const held = heldBy(entries, who);
            if (held) return this.#keep(range, held, who, pool);
            const taken = new Set([...entries.map((e) => ipText(e.ip)), ...legacy, ...skip]);
            const ip = lowestFree(range, taken, range.network, lost === 0 ? 1 : 2 ** Math.min(lost, 6));
            const key = `${prefix}${offsetKey(ip, range.network)}`;
            const resKey = reservationKey(reservationName(ip, this.#opts.networkName));
            const compare: Compare[] = [{ key, target: 'CREATE', result: 'EQUAL', createRevision: '0' }];
            const success: Op[] = [{ put: { key, value: this.#value(who) } }];
            if (this.#opts.overlappingRanges) {
              compare.push({ key: resKey, target: 'CREATE', result: 'EQUAL', createRevision: '0' });
              success.push({ put: { key: resKey, value: this.#claimValue(who, pool) } });
            }
            if (this.#opts.sleepForRaceMs) await sleep(this.#opts.sleepForRaceMs);
            const r = await this.client.txn(compare, success, [{ range: { key } }, { range: { key: resKey } }]);
            if (r.succeeded) return { ip, fresh: true };
            // Our own write of an earlier try whose answer was lost (a member died mid-request)?
            const mine = (kv: KeyValue | undefined) => {
              if (!kv) return false;
              try {
                const v = JSON.parse(kv.value) as { id?: string; containerid?: string; ifname?: string; podref?: string };
                return (v.id ?? v.containerid) === who.containerID && v.ifname === who.ifname && v.podref === who.podRef;
              } catch {
                return false;
              }
            };
            const [poolKv, resKv] = [r.responses[0]?.[0], r.responses[1]?.[0]];
            if (mine(poolKv) && (!this.#opts.overlappingRanges || mine(resKv))) return { ip, fresh: true };
            skip.add(ipText(ip));
            // A race only when the key appeared after our read; an older one (another range's
            // reservation) leaves the lowest-free order alone.
            if ([poolKv, resKv].some((kv) => kv && BigInt(kv.createRevision) > revision)) lost++;
            last = `${ipText(ip)} was taken by a concurrent allocation`;
            return AGAIN;
          }, (m) => (last = m), outage),
        () => last,
      );
    } catch (err) {
      if (err instanceof BudgetExhausted) throw new Error(`could not allocate an address in ${range.cidr} within the retry budget: ${err.message}`, { cause: err });
      throw err;
    }
  }

  /** The address the attachment already holds: its container id brought up to date, its claim made sure of. */
  async #keep(range: IpRange, held: Entry, who: Attachment, pool: string): Promise<{ ip: Addr; fresh: boolean } | undefined> {
    if (held.containerID !== who.containerID || held.node !== this.#opts.node) {
      const r = await this.client.txn([{ key: held.key, target: 'MOD', result: 'EQUAL', modRevision: held.modRevision }], [{ put: { key: held.key, value: this.#value(who) } }]);
      if (!r.succeeded) return undefined;
    }
    if (this.#opts.overlappingRanges) {
      const resKey = reservationKey(reservationName(held.ip, this.#opts.networkName));
      await this.client.txn([{ key: resKey, target: 'CREATE', result: 'EQUAL', createRevision: '0' }], [{ put: { key: resKey, value: this.#claimValue(who, pool) } }]);
    }
    this.#log.debug(`${who.podRef || who.containerID} (${who.ifname}) already holds ${ipText(held.ip)} in ${range.cidr}`);
    return { ip: held.ip, fresh: false };
  }

  /** Deletes an entry if unchanged, and its reservation if that is the same attachment's. */
  async #delete(e: Entry): Promise<boolean> {
    const r = await this.client.txn([{ key: e.key, target: 'MOD', result: 'EQUAL', modRevision: e.modRevision }], [{ delete: { key: e.key } }]);
    if (!r.succeeded) return false;
    const resKey = reservationKey(reservationName(e.ip, this.#opts.networkName));
    const [kv] = await this.client.range(resKey);
    if (kv) {
      let v: { podref?: string; ifname?: string; containerid?: string } = {};
      try {
        v = JSON.parse(kv.value) as typeof v;
      } catch {
        // not ours to judge: leave it
      }
      if (v.podref === e.podRef && v.ifname === e.ifname && (e.podRef !== '' || v.containerid === e.containerID)) {
        await this.client.txn([{ key: resKey, target: 'MOD', result: 'EQUAL', modRevision: kv.modRevision }], [{ delete: { key: resKey } }]);
      }
    }
    return true;
  }

  async release(range: IpRange, containerID: string, ifname: string, deadline: number): Promise<Addr | undefined> {
    return (await this.#removeMatching(range, (es) => releasable(es, containerID, ifname), deadline))?.ip;
  }

  async reservations(range: IpRange): Promise<Reservation[]> {
    return (await this.#read(range)).entries;
  }

  async remove(range: IpRange, r: Reservation, deadline: number): Promise<boolean> {
    const same = (x: Reservation) => ipText(x.ip) === ipText(r.ip) && x.containerID === r.containerID && x.podRef === r.podRef && x.ifname === r.ifname;
    return (await this.#removeMatching(range, (es) => es.find(same), deadline)) !== undefined;
  }

  /** Deletes the entry `pick` chooses (re-read and re-chosen after each lost race); undefined when none. */
  async #removeMatching(range: IpRange, pick: (es: Entry[]) => Entry | undefined, deadline: number): Promise<Entry | undefined> {
    let last = '';
    const outage = new Outage(this.#opts.unavailableMs ?? UNAVAILABLE_MS);
    const out = await retry(
      { attempts: this.#attempts, deadline, maxMs: 200 },
      () =>
        this.#step(async () => {
          const e = pick((await this.#read(range)).entries);
          if (!e) return { e: undefined };
          if (!(await this.#delete(e))) {
            last = `${ipText(e.ip)} changed while being released`;
            return AGAIN;
          }
          return { e: e as Entry | undefined };
        }, (m) => (last = m), outage),
      () => last,
    );
    return out.e;
  }

  async whereIs(r: Reservation, node: string): Promise<'here' | 'elsewhere' | 'gone'> {
    return (r as Partial<Entry>).node === node && node !== '' ? 'here' : 'elsewhere';
  }
}
