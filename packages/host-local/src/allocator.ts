import { type Addr, formatAddr } from '@cni-ts/cni/ip';
import { candidates } from './iter';
import { isGateway, type Range } from './range';
import { notInRangeSet, rangeFor, type RangeSet, rangeSetString } from './rangeset';
import type { DiskStore } from './store';

/** One allocated address: the IP with its subnet's prefix, and the range's gateway. */
export interface Allocation {
  ip: Addr;
  prefix: number;
  gateway: Addr;
  /** Index of the range set (the N of `last_reserved_ip.N`). */
  rangeId: number;
}

/** An allocation failure; the message is upstream's. */
export class AllocationError extends Error {
  override name = 'AllocationError';
}

function allocation(ip: Addr, r: Range, rangeId: number): Allocation {
  return { ip, prefix: r.subnet.prefix, gateway: r.gateway, rangeId };
}

/**
 * Upstream `IPAllocator.Get` for range set `rangeId`; the caller holds the store's lock.
 * A requested address is reserved as is (never the gateway); otherwise the attachment must not
 * already hold an address of this set, and the first free candidate of the round-robin wins.
 */
export function allocate(
  store: DiskStore,
  set: RangeSet,
  rangeId: number,
  id: string,
  ifname: string,
  requested?: Addr,
): Allocation {
  if (requested) {
    const r = rangeFor(set, requested);
    if (!r) throw new AllocationError(notInRangeSet(set, requested));
    if (isGateway(r, requested)) {
      throw new AllocationError(`requested ip ${formatAddr(requested)} is subnet's gateway`);
    }
    if (!store.reserve(id, ifname, requested, rangeId)) {
      throw new AllocationError(
        `requested IP address ${formatAddr(requested)} is not available in range set ${rangeSetString(set)}`,
      );
    }
    return allocation(requested, r, rangeId);
  }
  for (const held of store.getByID(id, ifname)) {
    if (rangeFor(set, held)) {
      throw new AllocationError(`${formatAddr(held)} has been allocated to ${id}, duplicate allocation is not allowed`);
    }
  }
  for (const c of candidates(set, store.lastReservedIP(rangeId))) {
    if (store.reserve(id, ifname, c.ip, rangeId)) return allocation(c.ip, c.range, rangeId);
  }
  throw new AllocationError(`no IP addresses available in range set: ${rangeSetString(set)}`);
}
