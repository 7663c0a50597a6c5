import { type Addr, formatAddr } from '@cni-ts/cni/ip';
import { canonicalizeRange, type Range, RangeError, type RangeInput, rangeContains, rangesOverlap, rangeString } from './range';

/** Ranges of one family that together yield one address per ADD. */
export type RangeSet = readonly Range[];

/** Validates every range of a set, then family and overlap inside the set (upstream order). */
export function canonicalizeRangeSet(inputs: readonly RangeInput[]): RangeSet {
  if (inputs.length === 0) throw new RangeError('empty range set');
  const set: Range[] = [];
  for (const [i, input] of inputs.entries()) {
    let r: Range;
    try {
      r = canonicalizeRange(input);
    } catch (err) {
      if (err instanceof RangeError) err.index = i;
      throw err;
    }
    if (i > 0 && r.rangeStart.bits !== set[0]?.rangeStart.bits) {
      throw Object.assign(new RangeError('mixed address families', 'subnet'), { index: i });
    }
    set.push(r);
  }
  for (let i = 0; i < set.length - 1; i++) {
    for (let j = i + 1; j < set.length; j++) {
      const a = set[i] as Range;
      const b = set[j] as Range;
      if (rangesOverlap(a, b)) {
        throw Object.assign(new RangeError(`subnets ${rangeString(a)} and ${rangeString(b)} overlap`), { index: j });
      }
    }
  }
  return set;
}

export function rangeFor(set: RangeSet, ip: Addr): Range | undefined {
  return set.find((r) => rangeContains(r, ip));
}

export function rangeSetContains(set: RangeSet, ip: Addr): boolean {
  return rangeFor(set, ip) !== undefined;
}

export function rangeSetsOverlap(a: RangeSet, b: RangeSet): boolean {
  return a.some((r) => b.some((r1) => rangesOverlap(r, r1)));
}

/** `start-end[,start-end...]`, as in upstream's exhaustion error. */
export function rangeSetString(set: RangeSet): string {
  return set.map(rangeString).join(',');
}

export function notInRangeSet(set: RangeSet, ip: Addr): string {
  return `${formatAddr(ip)} not in range set ${rangeSetString(set)}`;
}
