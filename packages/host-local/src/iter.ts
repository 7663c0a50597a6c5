import { type Addr, addrEqual, nextAddr } from '@cni-ts/cni/ip';
import type { Range } from './range';
import type { RangeSet } from './rangeset';

export interface Candidate {
  ip: Addr;
  range: Range;
}

/**
 * Upstream's round-robin order over a range set: start right after `last` (the last reserved
 * address, when it lies in the set) or at the first range's start; step by one, moving to the
 * next range's start after a range's end and wrapping to the first range; skip each range's
 * gateway; stop on coming back to the first address produced.
 */
export function* candidates(set: RangeSet, last?: Addr): Generator<Candidate> {
  let idx = 0;
  let cur: Addr | undefined;
  let startIP: Addr | undefined;
  if (last) {
    const i = set.findIndex((r) => rangeHas(r, last));
    if (i >= 0) {
      idx = i;
      cur = last;
    }
  }
  for (;;) {
    let r = set[idx] as Range;
    if (cur === undefined) {
      cur = r.rangeStart;
      startIP = cur;
      if (addrEqual(cur, r.gateway)) continue;
      yield { ip: cur, range: r };
      continue;
    }
    if (addrEqual(cur, r.rangeEnd)) {
      idx = (idx + 1) % set.length;
      r = set[idx] as Range;
      cur = r.rangeStart;
    } else {
      cur = nextAddr(cur);
    }
    if (startIP === undefined) startIP = cur;
    else if (addrEqual(cur, startIP)) return;
    if (addrEqual(cur, r.gateway)) continue;
    yield { ip: cur, range: r };
  }
}

function rangeHas(r: Range, ip: Addr): boolean {
  return ip.bits === r.rangeStart.bits && ip.n >= r.rangeStart.n && ip.n <= r.rangeEnd.n;
}
