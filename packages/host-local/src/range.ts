import {
  type Addr,
  addrCmp,
  addrEqual,
  type AddrNet,
  addrNetContains,
  formatAddr,
  formatAddrNet,
  lastAddr,
  networkAddr,
  nextAddr,
} from '@cni-ts/cni/ip';

/** One range object as configured; every field optional until canonicalised. */
export interface RangeInput {
  subnet?: AddrNet;
  rangeStart?: Addr;
  rangeEnd?: Addr;
  gateway?: Addr;
}

/** A canonical range: every address of the subnet's family, `rangeStart <= rangeEnd`. */
export interface Range {
  readonly subnet: { readonly ip: Addr; readonly prefix: number };
  readonly rangeStart: Addr;
  readonly rangeEnd: Addr;
  readonly gateway: Addr;
}

/** Errors of range validation carry the message upstream prints. */
export class RangeError extends Error {
  override name = 'RangeError';
  /** Index of the range within its set, and the offending field, when known. */
  index?: number;
  constructor(
    message: string,
    readonly field = '',
  ) {
    super(message);
  }
}

/** Upstream `Range.Contains`; start/end are ignored while unset (during canonicalisation). */
export function rangeContains(
  r: { subnet: { ip: Addr; prefix: number }; rangeStart?: Addr; rangeEnd?: Addr },
  ip: Addr,
): boolean {
  if (!addrNetContains(r.subnet, ip)) return false;
  if (r.rangeStart && addrCmp(ip, r.rangeStart) < 0) return false;
  // Cmp is -2 across families, which never counts as "after the end".
  if (r.rangeEnd && addrCmp(ip, r.rangeEnd) === 1) return false;
  return true;
}

/**
 * Validates a range and fills the defaults, with upstream's checks in upstream's order (the first
 * failing check decides the message): size, family, host bits, gateway (network+1), rangeStart
 * (network+1, which the iterator skips when it is the gateway), rangeEnd (IPv4: broadcast-1,
 * IPv6: the last address of the prefix).
 */
export function canonicalizeRange(input: RangeInput): Range {
  const sn = input.subnet;
  if (!sn) throw new RangeError('IP <nil> not v4 nor v6', 'subnet');
  if (sn.prefix > sn.maskBits - 2) {
    throw new RangeError(`Network ${formatAddrNet(sn)} too small to allocate from`, 'subnet');
  }
  if (sn.ip.bits !== sn.maskBits) throw new RangeError('IPNet IP and Mask version mismatch', 'subnet');
  const network = networkAddr(sn.ip, sn.prefix);
  if (network.n !== sn.ip.n) {
    throw new RangeError(
      `Network has host bits set. For a subnet mask of length ${sn.prefix} the network address is ${formatAddr(network)}`,
      'subnet',
    );
  }
  const subnet = { ip: network, prefix: sn.prefix };
  const gateway = input.gateway ?? nextAddr(network);
  const partial = { subnet, rangeStart: input.rangeStart, rangeEnd: input.rangeEnd };
  if (input.rangeStart && !rangeContains(partial, input.rangeStart)) {
    throw new RangeError(`RangeStart ${formatAddr(input.rangeStart)} not in network ${formatAddrNet(subnet)}`, 'rangeStart');
  }
  const rangeStart = input.rangeStart ?? nextAddr(network);
  partial.rangeStart = rangeStart;
  if (input.rangeEnd && !rangeContains(partial, input.rangeEnd)) {
    throw new RangeError(`RangeEnd ${formatAddr(input.rangeEnd)} not in network ${formatAddrNet(subnet)}`, 'rangeEnd');
  }
  let rangeEnd = input.rangeEnd;
  if (!rangeEnd) {
    const last = lastAddr(network, sn.prefix);
    rangeEnd = last.bits === 32 ? { bits: 32, n: last.n - 1n } : last;
  }
  return { subnet, rangeStart, rangeEnd, gateway };
}

/** Upstream `Range.Overlaps`: any endpoint of one lies in the other. */
export function rangesOverlap(a: Range, b: Range): boolean {
  if (a.rangeStart.bits !== b.rangeStart.bits) return false;
  return (
    rangeContains(a, b.rangeStart) ||
    rangeContains(a, b.rangeEnd) ||
    rangeContains(b, a.rangeStart) ||
    rangeContains(b, a.rangeEnd)
  );
}

export function rangeString(r: Range): string {
  return `${formatAddr(r.rangeStart)}-${formatAddr(r.rangeEnd)}`;
}

export function isGateway(r: Range, ip: Addr): boolean {
  return addrEqual(r.gateway, ip);
}
