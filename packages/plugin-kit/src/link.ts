// pkg/ip/link_linux.go: temporary names, renames and idempotent deletes.
import { closeSync, openSync, readSync } from 'node:fs';
import { addrList, LinkNotFoundError, linkByName, linkDel, linkSetName } from '@cni-ts/netlink';
import { isGlobalUnicast } from './ip';
import { errText } from './errors';

/** ip.ErrLinkNotFound: what DelLinkByName reports for a missing link (callers treat it as done). */
export class NoSuchLinkError extends Error {
  readonly ifname: string;
  constructor(ifname: string) {
    super('link not found');
    this.ifname = ifname;
    this.name = 'NoSuchLinkError';
  }
}

/** ip.RandomVethName: `veth` + 8 random hex digits, used as a collision-free temporary name. */
export function randomVethName(prefix = 'veth'): string {
  // The kernel's random bytes, as Go's crypto/rand reads them; not node:crypto, whose loading
  // costs ~5 ms of every bridge or ptp ADD.
  let bytes: Buffer;
  try {
    bytes = Buffer.alloc(4);
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, bytes, 0, 4, null) !== 4) throw new Error('short read');
    } finally {
      closeSync(fd);
    }
  } catch {
    // No /dev/urandom (a bare chroot): the slower way.
    bytes = process.getBuiltinModule('node:crypto').randomBytes(4);
  }
  return `${prefix}${bytes.toString('hex')}`;
}

/** ip.RenameLink: looks the link up by name and renames it (errors are the bare netlink ones). */
export function renameLink(current: string, next: string): void {
  const link = linkByName(current);
  linkSetName(link.index, next);
}

function lookupForDelete(ifname: string) {
  try {
    return linkByName(ifname);
  } catch (err) {
    if (err instanceof LinkNotFoundError) throw new NoSuchLinkError(ifname);
    throw new Error(`failed to lookup "${ifname}": ${errText(err)}`, { cause: err });
  }
}

/** ip.DelLinkByName: deletes a link of the current namespace; NoSuchLinkError when absent. */
export function delLinkByName(ifname: string): void {
  const link = lookupForDelete(ifname);
  try {
    linkDel(link.index);
  } catch (err) {
    throw new Error(`failed to delete "${ifname}": ${errText(err)}`, { cause: err });
  }
}

/**
 * ip.DelLinkByNameAddr: deletes a link and returns its global unicast addresses (CIDRs, as
 * they were on the link), which callers need to undo per-address state (masquerade rules).
 */
export function delLinkByNameAddr(ifname: string): string[] {
  const link = lookupForDelete(ifname);
  let addrs;
  try {
    addrs = addrList(link.index, 'all');
  } catch (err) {
    throw new Error(`failed to get IP addresses for "${ifname}": ${errText(err)}`, { cause: err });
  }
  try {
    linkDel(link.index);
  } catch (err) {
    throw new Error(`failed to delete "${ifname}": ${errText(err)}`, { cause: err });
  }
  return addrs.filter((a) => isGlobalUnicast(a.ip)).map((a) => a.cidr);
}

/** delLinkByName that treats "already gone" as success (what every DEL wants). */
export function delLinkIfExists(ifname: string): boolean {
  try {
    delLinkByName(ifname);
    return true;
  } catch (err) {
    if (err instanceof NoSuchLinkError) return false;
    throw err;
  }
}
