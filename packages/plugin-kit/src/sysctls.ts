// The per-interface sysctls upstream plugins set inside the container (and on the host side).
// Slash-separated keys: interface names may contain dots.
import { sysctlGet, sysctlSet } from '@cni-ts/netlink';
import { errText } from './errors';

function tryWrite(key: string, value: string): boolean {
  try {
    sysctlSet(key, value);
    return true;
  } catch {
    return false;
  }
}

/**
 * arp_notify=1 and ndisc_notify=1 (macvlan, ipvlan v1.4.0+; bridge sets arp_notify only): the
 * kernel announces the interface's addresses (gratuitous ARP / unsolicited NA) when it comes up
 * or changes MAC, so neighbours drop stale entries of a reused IP. Errors are ignored as upstream.
 */
export function enableAddressNotify(ifname: string, { ndisc = true }: { ndisc?: boolean } = {}): void {
  tryWrite(`net/ipv4/conf/${ifname}/arp_notify`, '1');
  if (ndisc) tryWrite(`net/ipv6/conf/${ifname}/ndisc_notify`, '1');
}

/**
 * Container-side IPv6 DAD as bridge sets it: with `enabled`, enhanced_dad=1 and accept_dad=1,
 * otherwise accept_dad=0 (addresses usable at once). Errors are ignored as upstream.
 */
export function setAcceptDad(ifname: string, enabled: boolean): void {
  if (enabled) {
    tryWrite(`net/ipv6/conf/${ifname}/enhanced_dad`, '1');
    tryWrite(`net/ipv6/conf/${ifname}/accept_dad`, '1');
  } else {
    tryWrite(`net/ipv6/conf/${ifname}/accept_dad`, '0');
  }
}

/** accept_ra=0 on a host-side link (bridges and host veth ends must not autoconfigure); errors ignored. */
export function disableAcceptRa(ifname: string): void {
  tryWrite(`net/ipv6/conf/${ifname}/accept_ra`, '0');
}

/**
 * ip.EnableIP4Forward / EnableIP6Forward: writes "1" only when not already set (a read-only
 * /proc/sys then does not fail a host that forwards already).
 */
export function enableForwarding(family: 4 | 6): void {
  const key = family === 4 ? 'net/ipv4/ip_forward' : 'net/ipv6/conf/all/forwarding';
  try {
    if (sysctlGet(key).trim() === '1') return;
  } catch {
    // unreadable: try the write, which reports the real problem
  }
  try {
    sysctlSet(key, '1');
  } catch (err) {
    throw new Error(errText(err), { cause: err });
  }
}
