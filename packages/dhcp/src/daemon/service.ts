// The daemon's RPC service, upstream's `DHCP` type: Allocate and Release, plus Leases (ours,
// for `dhcp status`). Leases are keyed by client id; calls for one key run one at a time.

import type { Result100 } from '@cni-ts/cni';
import { goJsonParse } from '@cni-ts/cni';
import { ConfigError, loadNetConf } from '../config';
import { bind, type Bound, discoverAndRequest, expiresAt, NoMoreTriesError, PacketTransport, renewAt, sleep, type Transport, withRetries } from '../dhcp/client';
import { clientIdOf, prepareOptions, resultFromAck } from '../dhcp/options';
import { linkRunning, openPacketLink } from '../dhcp/packet';
import type { GobValue } from '../gob/decoder';
import { gString } from '../gob/types';
import type { RpcMethod } from '../rpc';
import { type CmdArgs, cmdArgsFromGob, EMPTY_T, RESULT_T, resultToGob } from '../wire';
import { Lease, type LeaseKey, type LeaseSettings } from './lease';
import { LeaseStore } from './store';

export interface ServiceOptions {
  hostPrefix: string;
  timeoutMs: number;
  resendMaxMs: number;
  resendTimeoutMs: number;
  broadcast: boolean;
  stateDir: string;
  log: (msg: string) => void;
  /** tests: a fake network instead of packet sockets, and fake namespaces */
  openTransport?: (netns: string, ifname: string, setUp: boolean) => Transport;
  presence?: LeaseSettings['presence'];
  linkDown?: LeaseSettings['linkDown'];
}

/** A lease as `dhcp status` lists it. */
export interface LeaseStatus {
  clientId: string;
  containerId: string;
  network: string;
  ifname: string;
  netns: string;
  address: string;
  server: string;
  state: string;
  boundAt: string;
  renewAt: string;
  expiresAt: string;
  renewals: number;
}

export class DhcpService {
  private readonly leases = new Map<string, Lease>();
  private readonly queues = new Map<string, Promise<unknown>>();
  /** acquisitions in flight, by client id: a DEL for the same key cancels them */
  private readonly acquiring = new Map<string, AbortController>();
  private readonly store: LeaseStore;
  private readonly settings: LeaseSettings;
  private stopping = false;

  private readonly o: ServiceOptions;

  constructor(o: ServiceOptions) {
    this.o = o;
    this.store = new LeaseStore(o.stateDir);
    this.settings = {
      timeoutMs: o.timeoutMs,
      resendMaxMs: o.resendMaxMs,
      broadcast: o.broadcast,
      log: o.log,
      openTransport: (netns, ifname) => this.transport(netns, ifname, false),
      presence: o.presence,
      linkDown: o.linkDown,
    };
  }

  private transport(netns: string, ifname: string, setUp: boolean): Transport {
    if (this.o.openTransport) return this.o.openTransport(netns, ifname, setUp);
    return new PacketTransport(openPacketLink(netns, ifname, { setUp }));
  }

  /** The net/rpc methods, by their Go names. */
  methods(): Map<string, RpcMethod> {
    return new Map<string, RpcMethod>([
      ['DHCP.Allocate', async (v) => ({ type: RESULT_T, value: resultToGob(await this.allocate(cmdArgsFromGob(v))) })],
      [
        'DHCP.Release',
        async (v) => {
          await this.release(cmdArgsFromGob(v));
          return { type: EMPTY_T, value: {} };
        },
      ],
      [
        'DHCP.GC',
        async (v) => {
          await this.gc(cmdArgsFromGob(v));
          return { type: EMPTY_T, value: {} };
        },
      ],
      ['DHCP.Leases', async (_v: GobValue) => ({ type: gString, value: JSON.stringify(this.status()) })],
    ]);
  }

  /** Serializes work per lease key. */
  private serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => {});
    this.queues.set(key, tail);
    void tail.then(() => {
      if (this.queues.get(key) === tail) this.queues.delete(key);
    });
    return next;
  }

  private conf(args: CmdArgs) {
    let parsed: unknown;
    try {
      parsed = goJsonParse(Buffer.from(args.stdin).toString('utf8'));
      return loadNetConf(parsed);
    } catch (err) {
      throw new Error(`error parsing netconf: ${(err as Error).message}`, { cause: err });
    }
  }

  async allocate(args: CmdArgs): Promise<Result100> {
    if (this.stopping) throw new Error('the DHCP daemon is shutting down');
    const conf = this.conf(args);
    const options = prepareOptions(args.args, conf.provide, conf.request);
    const clientId = clientIdOf(args.containerId, conf.name, args.ifname);
    return this.serial(clientId, async () => {
      let lease = this.leases.get(clientId);
      if (lease && !lease.alive) {
        this.leases.delete(clientId);
        lease = undefined;
      }
      if (lease) {
        lease.poke();
      } else {
        const key: LeaseKey = { clientId, containerId: args.containerId, netName: conf.name, ifname: args.ifname, netns: this.o.hostPrefix + args.netns };
        lease = await this.acquire(key, options);
      }
      try {
        return resultFromAck(lease.bound.ack, conf.priority);
      } catch (err) {
        // upstream stops (and so releases) a lease whose ACK has no subnet mask
        this.leases.delete(clientId);
        this.store.remove(clientId);
        await lease.stop(true);
        throw err;
      }
    });
  }

  private async acquire(key: LeaseKey, options: ReturnType<typeof prepareOptions>): Promise<Lease> {
    this.o.log(`${key.clientId}: acquiring lease`);
    let t: Transport;
    try {
      t = this.transport(key.netns, key.ifname, true);
    } catch (err) {
      if ((err as Error).name === 'LinkNotFoundError') throw new Error(`error looking up ${JSON.stringify(key.ifname)}: ${(err as Error).message}`, { cause: err });
      throw err;
    }
    let bound: Bound;
    const abort = new AbortController();
    this.acquiring.set(key.clientId, abort);
    try {
      const deadline = Date.now() + this.o.resendTimeoutMs;
      // A link just set up needs a moment for carrier; a DISCOVER sent before is lost.
      await this.carrier(key, Math.min(2000, this.o.timeoutMs));
      bound = await withRetries(
        (d) => discoverAndRequest(t, { clientId: key.clientId, options, broadcast: this.o.broadcast, timeoutMs: this.o.timeoutMs, signal: abort.signal }, d),
        { deadline, resendMaxMs: this.o.resendMaxMs, log: (m) => this.o.log(`${key.clientId}: ${m}`), signal: abort.signal },
      );
    } catch (err) {
      if (err instanceof NoMoreTriesError) this.o.log(`${key.clientId}: no lease within ${this.o.resendTimeoutMs / 1000}s`);
      throw err;
    } finally {
      this.acquiring.delete(key.clientId);
      t.close();
    }
    const lease = this.adopt({ key, options, bound });
    this.o.log(`${key.clientId}: lease acquired, expiration is ${new Date(expiresAt(bound)).toISOString()}`);
    return lease;
  }

  private async carrier(key: LeaseKey, ms: number): Promise<void> {
    if (this.o.openTransport) return;
    const end = Date.now() + ms;
    while (Date.now() < end) {
      try {
        if (linkRunning(key.netns, key.ifname)) return;
      } catch {
        return;
      }
      await sleep(50);
    }
  }

  private adopt(s: { key: LeaseKey; options: ReturnType<typeof prepareOptions>; bound: Bound }): Lease {
    const lease = new Lease(s.key, s.options, s.bound, this.settings, {
      onCommit: (l) => this.persist(l),
      onEnd: (l) => {
        if (this.leases.get(l.key.clientId) === l) this.leases.delete(l.key.clientId);
        this.store.remove(l.key.clientId);
      },
    });
    this.leases.set(s.key.clientId, lease);
    this.persist(lease);
    lease.start();
    return lease;
  }

  private persist(l: Lease): void {
    try {
      this.store.save({ key: l.key, options: l.options, bound: l.bound });
    } catch (err) {
      this.o.log(`${l.key.clientId}: saving the lease failed: ${(err as Error).message}`);
    }
  }

  async release(args: CmdArgs): Promise<void> {
    const conf = this.conf(args);
    const clientId = clientIdOf(args.containerId, conf.name, args.ifname);
    // An ADD still trying to get this lease gives up (upstream cancels its backoff on Release too).
    this.acquiring.get(clientId)?.abort(new Error('lease acquisition cancelled by DEL'));
    await this.serial(clientId, async () => {
      const lease = this.leases.get(clientId);
      if (!lease) return;
      this.leases.delete(clientId);
      this.store.remove(clientId);
      await lease.stop(true);
    });
  }

  /**
   * GC (ours; upstream has none): releases the leases of this network whose attachment
   * (container id, interface) is not in `cni.dev/valid-attachments`. Returns their client ids.
   */
  async gc(args: CmdArgs): Promise<string[]> {
    const conf = this.conf(args);
    const valid = conf.validAttachments;
    if (!valid) return [];
    const keep = new Set(valid.map((a) => `${a.containerID}\n${a.ifname}`));
    const stale = [...this.leases.values()].filter((l) => l.key.netName === conf.name && !keep.has(`${l.key.containerId}\n${l.key.ifname}`));
    for (const l of stale) {
      this.o.log(`${l.key.clientId}: not among the valid attachments, releasing`);
      await this.serial(l.key.clientId, async () => {
        if (this.leases.get(l.key.clientId) !== l) return;
        this.leases.delete(l.key.clientId);
        this.store.remove(l.key.clientId);
        await l.stop(true);
      });
    }
    return stale.map((l) => l.key.clientId);
  }

  /** Re-adopts the leases a previous daemon saved; returns how many. */
  restore(): number {
    const stored = this.store.load(
      (ack, mac, at) => bind(ack, mac, at),
      (file, err) => this.o.log(`ignoring lease file ${file}: ${err.message}`),
    );
    for (const s of stored) {
      if (this.leases.has(s.key.clientId)) continue;
      this.o.log(`${s.key.clientId}: re-adopting lease of ${s.bound.ack.yiaddr}, expiration is ${new Date(expiresAt(s.bound)).toISOString()}`);
      this.adopt(s);
    }
    return stored.length;
  }

  status(): LeaseStatus[] {
    return [...this.leases.values()].map((l) => ({
      clientId: l.key.clientId,
      containerId: l.key.containerId,
      network: l.key.netName,
      ifname: l.key.ifname,
      netns: l.key.netns,
      address: l.bound.ack.yiaddr,
      server: l.bound.serverId,
      state: l.state,
      boundAt: new Date(l.bound.boundAt).toISOString(),
      renewAt: new Date(renewAt(l.bound)).toISOString(),
      expiresAt: new Date(expiresAt(l.bound)).toISOString(),
      renewals: l.renewals,
    }));
  }

  /** Shutdown: stop upkeep without releasing (the next daemon re-adopts the saved leases). */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.leases.values()].map((l) => l.stop(false)));
  }
}

export { ConfigError };
