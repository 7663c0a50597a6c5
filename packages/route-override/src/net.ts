// Route destinations as comparable keys. The kernel reports a default route without a
// destination; configs and results write 0.0.0.0/0 or ::/0. Both become the same key here,
// which is what upstream missed (its default-route deletes never matched, see docs/compat.md).
import { addrEqual, addrPrefixLen, formatAddr, networkAddr, parseAddr, parseAddrNet } from '@cni-ts/cni';

export interface NetKey {
  family: 4 | 6;
  /** masked network and prefix length: "10.1.0.0/16", "0.0.0.0/0", "fe80::/64" */
  key: string;
  /** the network address is link-local unicast (169.254/16, fe80::/10) */
  linkLocal: boolean;
}

/** The key of a CIDR text (host bits are masked off); undefined when it does not parse. */
export function netKey(cidr: string): NetKey | undefined {
  const n = parseAddrNet(cidr);
  if (!n) return undefined;
  const prefix = addrPrefixLen(n);
  const net = networkAddr(n.ip, prefix);
  const family = net.bits === 32 ? 4 : 6;
  const linkLocal = family === 4 ? net.n >> 16n === 0xa9fen : net.n >> 118n === 0x3fan;
  return { family, key: `${formatAddr(net)}/${prefix}`, linkLocal };
}

/** The key of a kernel route's destination (undefined = the default route of its family). */
export function kernelKey(dst: string | undefined, family: 4 | 6): NetKey {
  return netKey(dst ?? (family === 4 ? '0.0.0.0/0' : '::/0'))!;
}

export function isDefault(k: NetKey): boolean {
  return k.key.endsWith('/0');
}

/** Two IP texts name the same address (Go's net.IP.Equal). */
export function sameIP(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return addrEqual(parseAddr(a), parseAddr(b));
}

/** 0.0.0.0 and :: (what flushgateway writes as the gateway of every address). */
export function isZeroIP(ip: string | undefined): boolean {
  const a = ip === undefined ? undefined : parseAddr(ip);
  return !a || a.n === 0n;
}
