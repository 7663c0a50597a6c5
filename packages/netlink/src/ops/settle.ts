import { sleepSync } from '../_sys';
import type { OpsContext } from './_ctx';
import { addrList } from './addr';
import { linkByIndex, linkByName } from './link';
import type { LinkRef } from './link-types';

const INTERVAL_MS = 50;

/** An IPv6 address failed duplicate address detection. */
export class DadFailedError extends Error {
  constructor(ifname: string, address: string) {
    super(`link ${ifname} has address ${address} in DADFAILED state`);
    this.name = 'DadFailedError';
  }
}

/**
 * Waits until no IPv6 address of the link is tentative (DAD done), polling every 50 ms, like Go's
 * ip.SettleAddresses (v1.9). An address in DADFAILED state is an error at once. At the deadline a
 * link that is not operationally up is not an error (its DAD cannot finish); otherwise it is.
 */
export function settleAddresses(ctx: OpsContext, link: LinkRef, timeoutMs = 5000): void {
  const l = typeof link === 'string' ? linkByName(ctx, link) : linkByIndex(ctx, typeof link === 'number' ? link : link.index);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const addrs = addrList(ctx, l.index, 6);
    const failed = addrs.find((a) => a.dadFailed);
    if (failed) throw new DadFailedError(l.name, failed.cidr);
    if (!addrs.some((a) => a.tentative)) return;
    if (Date.now() >= deadline) {
      if (linkByIndex(ctx, l.index).operState !== 'up') return;
      // Go prints the Duration with %d ("5000000000 seconds"); we print seconds.
      throw new Error(`link ${l.name} still has tentative addresses after ${timeoutMs / 1000} seconds`);
    }
    sleepSync(INTERVAL_MS);
  }
}
