// One lease and its upkeep (upstream's DHCPLease.maintain): bound until T1, then RENEWING
// (unicast to the server), after T2 REBINDING (broadcast), at expiry the interface goes down.
// Before every step the namespace and the interface are looked up again: when either is gone
// the lease is dropped (upstream kept the namespace alive from its thread and renewed forever).

import { isNotFound, NetnsNotExistError, NetnsNotNsError, openHandle, openNetns } from '@cni-ts/netlink';
import {
  backoffDelays,
  type Bound,
  type ExchangeOptions,
  expiresAt,
  NakError,
  PacketTransport,
  rebindAt,
  release,
  renew,
  renewAt,
  sleep,
  type Transport,
} from '../dhcp/client';
import type { LeaseOptions } from '../dhcp/options';
import { openPacketLink } from '../dhcp/packet';

/** How often a bound lease looks for its namespace and interface between renewals. */
export const PRESENCE_CHECK_MS = 30_000;

export type LeaseState = 'bound' | 'renewing' | 'rebinding' | 'expired' | 'gone' | 'released';

/** What identifies a lease and where it lives. */
export interface LeaseKey {
  clientId: string;
  containerId: string;
  netName: string;
  ifname: string;
  /** the namespace path as the daemon opens it (host prefix included) */
  netns: string;
}

export interface LeaseSettings {
  timeoutMs: number;
  resendMaxMs: number;
  broadcast: boolean;
  log: (msg: string) => void;
  /** opens the transport for an exchange (tests substitute a fake) */
  openTransport?: (netns: string, ifname: string) => Transport;
  /** looks for the namespace and interface (tests substitute a fake) */
  presence?: (netns: string, ifname: string) => Presence;
  /** brings the interface down when the lease is lost (tests substitute a fake) */
  linkDown?: (netns: string, ifname: string) => void;
}

export interface LeaseEvents {
  /** the lease changed (renewed, rebound): persist it */
  onCommit(lease: Lease): void;
  /** the lease ended without a DEL (namespace or interface gone, expired, NAK): forget it */
  onEnd(lease: Lease): void;
}

/** How the namespace and interface of a lease look right now. */
export type Presence = 'present' | 'netns-gone' | 'link-gone' | 'unknown';

export function presence(netns: string, ifname: string): Presence {
  let ns;
  try {
    ns = openNetns(netns);
  } catch (err) {
    if (err instanceof NetnsNotExistError || err instanceof NetnsNotNsError) return 'netns-gone';
    return 'unknown';
  }
  try {
    const h = openHandle(ns);
    try {
      h.linkByName(ifname);
      return 'present';
    } catch (err) {
      return isNotFound(err) ? 'link-gone' : 'unknown';
    } finally {
      h.close();
    }
  } catch {
    return 'unknown';
  } finally {
    ns.close();
  }
}

function linkDown(netns: string, ifname: string): void {
  const ns = openNetns(netns);
  try {
    const h = openHandle(ns);
    try {
      h.linkSetDown(ifname);
    } finally {
      h.close();
    }
  } finally {
    ns.close();
  }
}

function defaultTransport(netns: string, ifname: string): Transport {
  return new PacketTransport(openPacketLink(netns, ifname));
}

export class Lease {
  state: LeaseState = 'bound';
  private abort = new AbortController();
  private pokeWake: (() => void) | undefined;
  private loop: Promise<void> | undefined;
  renewals = 0;

  readonly key: LeaseKey;
  readonly options: LeaseOptions;
  bound: Bound;
  private readonly settings: LeaseSettings;
  private readonly events: LeaseEvents;

  constructor(key: LeaseKey, options: LeaseOptions, bound: Bound, settings: LeaseSettings, events: LeaseEvents) {
    this.key = key;
    this.options = options;
    this.bound = bound;
    this.settings = settings;
    this.events = events;
  }

  get alive(): boolean {
    return this.state === 'bound' || this.state === 'renewing' || this.state === 'rebinding';
  }

  private exchange(): ExchangeOptions {
    return {
      clientId: this.key.clientId,
      options: this.options,
      broadcast: this.settings.broadcast,
      timeoutMs: this.settings.timeoutMs,
      signal: this.abort.signal,
    };
  }

  private transport(): Transport {
    return (this.settings.openTransport ?? defaultTransport)(this.key.netns, this.key.ifname);
  }

  private log(msg: string): void {
    this.settings.log(`${this.key.clientId}: ${msg}`);
  }

  /** Starts upkeep; the state follows from the clock (a lease re-adopted after a restart may be past T1 or T2). */
  start(): void {
    const now = Date.now();
    this.state = now < renewAt(this.bound) ? 'bound' : now < rebindAt(this.bound) ? 'renewing' : 'rebinding';
    this.loop = this.maintain().catch((err: unknown) => {
      if (!this.abort.signal.aborted) this.log(`lease upkeep failed: ${(err as Error).message}`);
    });
  }

  /** A repeated ADD or a CHECK: look at the interface now (upstream's Check). */
  poke(): void {
    this.pokeWake?.();
  }

  private async wait(until: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(done, Math.max(0, until - Date.now()));
      const onAbort = () => {
        clearTimeout(timer);
        reject(this.abort.signal.reason);
      };
      function done() {
        resolve();
      }
      this.pokeWake = () => {
        clearTimeout(timer);
        this.abort.signal.removeEventListener('abort', onAbort);
        resolve();
      };
      if (this.abort.signal.aborted) return onAbort();
      this.abort.signal.addEventListener('abort', onAbort, { once: true });
    });
    this.pokeWake = undefined;
  }

  private async maintain(): Promise<void> {
    let delays = backoffDelays(this.settings.resendMaxMs);
    for (;;) {
      if (this.abort.signal.aborted) return;
      const where = (this.settings.presence ?? presence)(this.key.netns, this.key.ifname);
      if (where === 'netns-gone' || where === 'link-gone') {
        this.log(`${where === 'netns-gone' ? `namespace ${this.key.netns}` : `interface ${this.key.ifname}`} no longer exists, dropping the lease`);
        this.state = 'gone';
        this.events.onEnd(this);
        return;
      }
      const now = Date.now();
      if (this.state === 'bound') {
        if (now < renewAt(this.bound)) {
          // Wake at least every PRESENCE_CHECK_MS to notice a namespace or link that went away.
          await this.wait(Math.min(renewAt(this.bound), now + PRESENCE_CHECK_MS));
          continue;
        }
        this.log('renewing lease');
        this.state = 'renewing';
        delays = backoffDelays(this.settings.resendMaxMs);
      }
      if (this.state === 'renewing' && now >= rebindAt(this.bound)) {
        this.log('renewal time expired, rebinding');
        this.state = 'rebinding';
      }
      const unicast = this.state === 'renewing';
      const milestone = unicast ? rebindAt(this.bound) : expiresAt(this.bound);
      try {
        const t = this.transport();
        try {
          this.bound = await renew(t, this.bound, this.exchange(), unicast, Math.max(milestone, Date.now() + 1000));
        } finally {
          t.close();
        }
        this.renewals++;
        this.state = 'bound';
        this.log(`lease ${unicast ? 'renewed' : 'rebound'}, expiration is ${new Date(expiresAt(this.bound)).toISOString()}`);
        this.events.onCommit(this);
        continue;
      } catch (err) {
        if (this.abort.signal.aborted) return;
        this.log((err as Error).message);
        if (err instanceof NakError) {
          // The server says the address is no longer ours (RFC 2131 §4.4.5: stop using it).
          this.expire('lease refused by the server');
          return;
        }
      }
      if (this.state === 'rebinding' && Date.now() >= expiresAt(this.bound)) {
        this.expire('lease expired');
        return;
      }
      const delay = delays.next().value as number;
      await this.wait(Math.min(Date.now() + delay, this.state === 'renewing' ? rebindAt(this.bound) : expiresAt(this.bound)));
    }
  }

  /** Upstream brings the interface down when the lease is lost. */
  private expire(why: string): void {
    this.log(`${why}, bringing interface DOWN`);
    this.state = 'expired';
    try {
      (this.settings.linkDown ?? linkDown)(this.key.netns, this.key.ifname);
    } catch (err) {
      this.log(`failed to bring ${this.key.ifname} interface DOWN: ${(err as Error).message}`);
    }
    this.events.onEnd(this);
  }

  /** Stops upkeep (and any exchange in flight); sends a RELEASE when asked and still possible. */
  async stop(sendRelease: boolean): Promise<void> {
    const wasAlive = this.alive;
    this.abort.abort(new Error('lease stopped'));
    await this.loop;
    if (!sendRelease || !wasAlive) {
      if (this.alive) this.state = 'released';
      return;
    }
    this.state = 'released';
    this.log('releasing lease');
    try {
      const t = this.transport();
      try {
        release(t, this.bound, { clientId: this.key.clientId });
      } finally {
        t.close();
      }
    } catch (err) {
      this.log(`failed to release DHCP lease: ${(err as Error).message}`);
    }
  }
}

export { sleep };
