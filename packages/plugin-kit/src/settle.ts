// ip.SettleAddresses: wait for IPv6 duplicate address detection to finish on a link, so the
// routes ConfigureIface adds next can use the addresses (a tentative source is unusable).
import { addrList, linkByName } from '@cni-ts/netlink';
import { errText } from './errors';
import { sleepSync } from '@cni-ts/cni';

const INTERVAL_MS = 50;

/**
 * Polls the IPv6 addresses of `ifname` (in the current netns) every 50 ms until none is
 * tentative. A DADFAILED address is an error; still tentative at the deadline is an error
 * only while the link is operationally up (v1.9.0+: a link without carrier never finishes DAD).
 */
export function settleAddresses(ifname: string, timeoutMs = 5000): void {
  let link;
  try {
    link = linkByName(ifname);
  } catch (err) {
    throw new Error(`failed to retrieve link: ${errText(err)}`, { cause: err });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let addrs;
    try {
      addrs = addrList(link.index, 6);
    } catch (err) {
      throw new Error(`could not list addresses: ${errText(err)}`, { cause: err });
    }
    if (addrs.length === 0) return;
    let settled = true;
    for (const a of addrs) {
      if (a.dadFailed) throw new Error(`link ${ifname} has address ${a.ip} in DADFAILED state`);
      if (a.tentative) {
        settled = false;
        break;
      }
    }
    if (settled) return;
    if (Date.now() > deadline) {
      let now;
      try {
        now = linkByName(ifname);
      } catch (err) {
        throw new Error(`failed to retrieve link: ${errText(err)}`, { cause: err });
      }
      // Go prints the Duration with %d: nanoseconds, followed by "seconds".
      if (now.operState === 'up') throw new Error(`link ${ifname} still has tentative addresses after ${timeoutMs * 1e6} seconds`);
      return;
    }
    sleepSync(INTERVAL_MS);
  }
}
