// ipam.ConfigureIface: applies an IPAM result to one interface of the current namespace:
// addresses, link up, IPv6 settle, routes. Synchronous: call it inside withNetns.
import type { Result100 } from '@cni-ts/cni';
import { addrAdd, linkByName, linkSetUp, sysctlGet, sysctlSet } from '@cni-ts/netlink';
import { familyOf } from './ip';
import { errText } from './errors';
import { ipConfigText } from './goformat';
import { routeAddEcmp, scopeName } from './route';
import { settleAddresses } from './settle';

export interface ConfigureIfaceOptions {
  /** Where non-fatal notes go (a sysctl that could not be read); default: nowhere. */
  log?: (msg: string) => void;
  /** IPv6 settle timeout; default 5 s as upstream. */
  settleTimeoutMs?: number;
}

/** Turns IPv6 on for lo and the interface (disable_ipv6=0) and keeps addresses across link down. */
function enableIPv6(ifname: string, log: (msg: string) => void): void {
  // Slash-separated keys: interface names may contain dots (VLANs).
  for (const iface of ['lo', ifname]) {
    const key = `net/ipv6/conf/${iface}/disable_ipv6`;
    let value: string;
    try {
      value = sysctlGet(key);
    } catch (err) {
      log(`ipam_linux: failed to read sysctl "${key}": ${errText(err)}`);
      continue;
    }
    if (value === '0') continue;
    try {
      sysctlSet(key, '0');
    } catch (err) {
      throw new Error(`failed to enable IPv6 for interface "${iface}" (${key}=${value}): ${errText(err)}`, { cause: err });
    }
  }
  try {
    sysctlSet(`net/ipv6/conf/${ifname}/keep_addr_on_down`, '1');
  } catch (err) {
    throw new Error(`failed to enable keep_addr_on_down for interface "${ifname}": ${errText(err)}`, { cause: err });
  }
}

/**
 * Configures `ifname` from `res` as upstream's ConfigureIface (v1.9): every IP whose
 * `interface` index names `ifname` is added (IPs without an index are skipped), the link is
 * set up, IPv6 DAD is waited for when there is an IPv6 gateway, and every route is added with
 * the first gateway of its family when it has none. Throws Go's error texts.
 */
export function configureIface(ifname: string, res: Result100, opts: ConfigureIfaceOptions = {}): void {
  const log = opts.log ?? (() => {});
  const interfaces = res.interfaces ?? [];
  if (interfaces.length === 0) throw new Error('no interfaces to configure');
  let link;
  try {
    link = linkByName(ifname);
  } catch (err) {
    throw new Error(`failed to lookup "${ifname}": ${errText(err)}`, { cause: err });
  }

  let v4gw: string | undefined;
  let v6gw: string | undefined;
  let ipv6Enabled = false;
  for (const ipc of res.ips ?? []) {
    if (ipc.interface === undefined) continue;
    const idx = ipc.interface;
    if (idx < 0 || idx >= interfaces.length || interfaces[idx]!.name !== ifname) {
      throw new Error(`failed to add IP addr ${ipConfigText(ipc)} to "${ifname}": invalid interface index`);
    }
    if (!ipv6Enabled && familyOf(ipc.address) === 6) {
      enableIPv6(ifname, log);
      ipv6Enabled = true;
    }
    try {
      addrAdd(link.index, ipc.address);
    } catch (err) {
      throw new Error(`failed to add IP addr ${ipConfigText(ipc)} to "${ifname}": ${errText(err)}`, { cause: err });
    }
    // Go: a nil gateway counts as "not IPv4" and fills the (still empty) IPv6 slot with nil.
    if (ipc.gateway !== undefined && familyOf(ipc.gateway) === 4) v4gw ??= ipc.gateway;
    else if (v6gw === undefined) v6gw = ipc.gateway;
  }

  try {
    linkSetUp(link.index);
  } catch (err) {
    throw new Error(`failed to set "${ifname}" UP: ${errText(err)}`, { cause: err });
  }

  if (v6gw !== undefined) {
    try {
      settleAddresses(ifname, opts.settleTimeoutMs ?? 5000);
    } catch (err) {
      throw new Error(`failed to settle addresses for "${ifname}": ${errText(err)}`, { cause: err });
    }
  }

  for (const r of res.routes ?? []) {
    const gw = r.gw ?? (familyOf(r.dst) === 4 ? v4gw : v6gw);
    try {
      routeAddEcmp({
        dst: r.dst,
        oif: link.index,
        ...(gw !== undefined && { gateway: gw }),
        ...(r.priority !== undefined && { priority: r.priority }),
        ...(r.table !== undefined && { table: r.table }),
        ...(r.scope !== undefined && { scope: r.scope }),
      });
    } catch (err) {
      throw new Error(
        `failed to add route '${r.dst} via ${gw ?? '<nil>'} dev ${ifname} metric ${r.priority ?? 0} (Scope: ${scopeName(r.scope)}, Table: ${r.table ?? 0})': ${errText(err)}`,
        { cause: err },
      );
    }
  }
}
