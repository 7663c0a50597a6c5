// What the commands need from a store (the Kubernetes API or etcd), per range. Each store makes
// its own reservations atomic with its backend's concurrency control; none takes a lock.
import type { Addr } from '@cni-ts/cni/ip';
import type { Attachment, Reservation } from './allocate';
import type { IpRange } from './range';

export interface Store {
  /**
   * Reserves an address of `range` for `who` (the one it already holds, else the lowest free),
   * before `deadline` (ms since the epoch).
   */
  allocate(range: IpRange, who: Attachment, deadline: number): Promise<{ ip: Addr; fresh: boolean }>;
  /** Releases what the container's interface holds in `range`; the address, or undefined when it held none. */
  release(range: IpRange, containerID: string, ifname: string, deadline: number): Promise<Addr | undefined>;
  /** The reservations of `range`'s pool. */
  reservations(range: IpRange, deadline: number): Promise<Reservation[]>;
  /** Removes one reservation found earlier (GC, reconciler), if it is still there unchanged. */
  remove(range: IpRange, r: Reservation, deadline: number): Promise<boolean>;
  /**
   * Where a reservation's attachment lives, for GC on one node: `here` (node `node`),
   * `elsewhere`, or `gone` (its pod no longer exists anywhere).
   */
  whereIs(r: Reservation, node: string, deadline: number): Promise<'here' | 'elsewhere' | 'gone'>;
  close(): Promise<void>;
}

/** Settings every store takes from the config. */
export interface StoreOptions {
  networkName: string;
  /** enable_overlapping_ranges: a cluster-wide claim per address, across pools. */
  overlappingRanges: boolean;
  /** Attempt budget per range (whereabouts' 100). */
  attempts?: number;
  /** Deadline of one request (whereabouts' 10 s). */
  requestTimeoutMs?: number;
  /** How long the store may be unreachable within one command (default 10 s). */
  unavailableMs?: number;
  /** sleep_for_race: a pause before each pool write (upstream's race test hook). */
  sleepForRaceMs?: number;
}

export const DEFAULT_ATTEMPTS = 100;
export const ADD_TIMEOUT_MS = 120_000;
export const DEL_TIMEOUT_MS = 60_000;
export const REQUEST_TIMEOUT_MS = 10_000;
export const UNAVAILABLE_MS = 10_000;
