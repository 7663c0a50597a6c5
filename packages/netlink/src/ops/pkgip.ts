// Small helpers of the Go plugins' pkg/ip that sit directly on netlink.
import { closeSync, openSync, readSync } from 'node:fs';
import { LinkNotFoundError } from '../errors';
import { sysctlEnsure, sysctlGet, sysctlSet } from '../sysctl';
import type { OpsContext } from './_ctx';
import { addrList, type Addr } from './addr';
import { findLink, linkDel } from './link';

/** `veth` + 8 random hex digits, like Go's ip.RandomVethName. */
export function randomVethName(): string {
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
  return `veth${bytes.toString('hex')}`;
}

/** Deletes a link by name; false when there was none (Go's DelLinkByName returns ErrLinkNotFound). */
export function delLinkByName(ctx: OpsContext, name: string): boolean {
  const link = findLink(ctx, name);
  if (!link) return false;
  try {
    linkDel(ctx, link);
  } catch (err) {
    if (err instanceof Error && 'code' in err && err.code === 'ENODEV') return false;
    throw err;
  }
  return true;
}

const isGlobalUnicast = (a: Addr): boolean => {
  if (a.family === 4) {
    const first = Number(a.ip.split('.')[0]);
    return a.ip !== '255.255.255.255' && first !== 0 && first !== 127 && !(first >= 224 && first <= 239) &&
      !a.ip.startsWith('169.254.');
  }
  const ip = a.ip.toLowerCase();
  return !(ip === '::' || ip === '::1' || ip.startsWith('fe8') || ip.startsWith('fe9') || ip.startsWith('fea') ||
    ip.startsWith('feb') || ip.startsWith('ff'));
};

/**
 * Go's DelLinkByNameAddr: the link's global unicast addresses (both families), then the link is
 * deleted. undefined when the link does not exist.
 */
export function delLinkByNameAddr(ctx: OpsContext, name: string): Addr[] | undefined {
  const link = findLink(ctx, name);
  if (!link) return undefined;
  const addrs = addrList(ctx, link.index).filter(isGlobalUnicast);
  linkDel(ctx, link);
  return addrs;
}

/** The index of a veth's peer (IFLA_LINK); throws when the link is not a veth. */
export function vethPeerIndex(ctx: OpsContext, name: string): number {
  const link = findLink(ctx, name);
  if (!link) throw new LinkNotFoundError(JSON.stringify(name));
  if (link.kind !== 'veth' || link.parentIndex === undefined) {
    throw new Error(`link ${name} is not a veth or has no peer index`);
  }
  return link.parentIndex;
}

/** Sysctls of the handle's namespace (the calling thread switches there for the read/write). */
export const handleSysctlGet = (ctx: OpsContext, key: string): string => ctx.inNetns(() => sysctlGet(key));
export const handleSysctlSet = (ctx: OpsContext, key: string, value: string | number): void =>
  ctx.inNetns(() => sysctlSet(key, value));
export const handleSysctlEnsure = (ctx: OpsContext, key: string, value: string | number): boolean =>
  ctx.inNetns(() => sysctlEnsure(key, value));

/** Go's EnableIP4Forward / EnableIP6Forward: write 1 only when it is not 1 already. */
export const enableIP4Forward = (ctx: OpsContext): boolean => handleSysctlEnsure(ctx, 'net/ipv4/ip_forward', 1);
export const enableIP6Forward = (ctx: OpsContext): boolean =>
  handleSysctlEnsure(ctx, 'net/ipv6/conf/all/forwarding', 1);
