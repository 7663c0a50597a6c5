// whereabouts' allocation rules (pkg/allocate): an attachment that already holds an address of
// the range gets it again; otherwise the lowest free address between the usable bounds, skipping
// reserved addresses and jumping over excluded subnets. Pure: the stores bring the reservations.
import { type Addr, addrCmp, addrNetContains, lastAddr } from '@cni-ts/cni/ip';
import { MAX_OFFSET } from './names';
import { type IpRange, ipText, parseExclude, usableBounds } from './range';

/** One allocation of a pool: the address and who holds it. */
export interface Reservation {
  ip: Addr;
  containerID: string;
  /** `<namespace>/<name>`; "" outside Kubernetes (etcd without a pod name). */
  podRef: string;
  ifname: string;
}

/** Who asks: the attachment (container id + interface) and its pod. */
export interface Attachment {
  containerID: string;
  ifname: string;
  /** `<namespace>/<name>`, or "" when there is no pod (then the container id identifies it). */
  podRef: string;
}

/** No free address: whereabouts' AssignmentError text. */
export class AssignmentError extends Error {
  constructor(first: Addr, last: Addr, cidr: string, exclude: string[]) {
    super(`Could not allocate IP in range: ip: ${ipText(first)} / - ${ipText(last)} / range: ${cidr} / excludeRanges: [${exclude.join(' ')}]`);
    this.name = 'AssignmentError';
  }
}

/**
 * The reservation an ADD returns again (AssignIP's idempotency): the same pod and interface;
 * without a pod, the same container and interface.
 */
export function heldBy<R extends Reservation>(reservations: readonly R[], who: Attachment): R | undefined {
  if (who.podRef) return reservations.find((r) => r.podRef === who.podRef && r.ifname === who.ifname);
  return reservations.find((r) => r.podRef === '' && r.containerID === who.containerID && r.ifname === who.ifname);
}

/**
 * The reservation a DEL releases: the container id and interface (DeallocateIP). An allocation
 * made before whereabouts stored interfaces (v0.8) has none: it is released by its container id
 * when no exact match exists (upstream leaves it behind).
 */
export function releasable<R extends Reservation>(reservations: readonly R[], containerID: string, ifname: string): R | undefined {
  return reservations.find((r) => r.containerID === containerID && r.ifname === ifname) ?? reservations.find((r) => r.containerID === containerID && r.ifname === '');
}

/**
 * IterateForAssignment: the lowest address of the range that is not in `taken` (address texts)
 * nor excluded. Addresses more than 2^63-1 past the pool's first address are never handed out:
 * their offset would not read back (upstream writes them and then loses them).
 *
 * `spread` > 1 is for a caller that just lost a race for the lowest address to a concurrent
 * ADD: it draws at random among the `spread` lowest free addresses instead, so that N
 * concurrent ADDs do not all fight over the same next address (O(N²) attempts) but spread out.
 */
export function lowestFree(range: IpRange, taken: ReadonlySet<string>, base: Addr = range.network, spread = 1): Addr {
  const { first, last: usableLast } = usableBounds(range);
  const excluded = range.exclude.map(parseExclude);
  const cap: Addr = { bits: base.bits, n: base.n + MAX_OFFSET };
  const last = addrCmp(usableLast, cap) > 0 ? cap : usableLast;
  const pool = { ip: range.network, prefix: range.prefix };
  const found: Addr[] = [];
  for (let ip = first; addrNetContains(pool, ip) && addrCmp(ip, last) <= 0; ip = { bits: ip.bits, n: ip.n + 1n }) {
    if (taken.has(ipText(ip))) continue;
    const ex = excluded.find((e) => addrNetContains({ ip: e.network, prefix: e.prefix }, ip));
    if (ex) {
      // Jump to the excluded subnet's last address; the loop steps past it.
      ip = lastAddr(ex.network, ex.prefix);
      continue;
    }
    found.push(ip);
    if (found.length >= spread) break;
  }
  if (found.length === 0) throw new AssignmentError(first, usableLast, range.cidr, range.exclude);
  return found[Math.floor(Math.random() * found.length)]!;
}
