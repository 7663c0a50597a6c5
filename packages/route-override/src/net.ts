// Route destinations as comparable keys. The kernel reports a default route without a
// destination; configs and results write 0.0.0.0/0 or ::/0. Both become the same key here,
// which is what upstream missed (its default-route deletes never matched, see docs/compat.md).
import { formatIP, isIPv4, parseCIDR, parseIP } from '@cni-ts/cni';

export interface NetKey {
  family: 4 | 6;
  /** masked network and prefix length: "10.1.0.0/16", "0.0.0.0/0", "fe80::/64" */
  key: string;
  /** the network address is link-local unicast (169.254/16, fe80::/10) */
  linkLocal: boolean;
}

/** The key of a CIDR text (host bits are masked off); undefined when it does not parse. */
export function netKey(cidr: string): NetKey | undefined {
  const n = parseCIDR(cidr);
  if (!n) return undefined;
  const family = n.maskBits === 32 || isIPv4(n.ip) ? 4 : 6;
  const bytes = Uint8Array.from(n.ip);
  const start = family === 4 ? 12 : 0;
  const prefix = family === 4 && n.maskBits === 128 ? Math.max(0, n.prefix - 96) : n.prefix;
  for (let i = start; i < 16; i++) {
    const bit = (i - start) * 8;
    const keep = Math.max(0, Math.min(8, prefix - bit));
    bytes[i] = bytes[i]! & ((0xff << (8 - keep)) & 0xff);
  }
  const ip = formatIP(bytes);
  const linkLocal = family === 4 ? bytes[12] === 169 && bytes[13] === 254 : bytes[0] === 0xfe && (bytes[1]! & 0xc0) === 0x80;
  return { family, key: `${ip}/${prefix}`, linkLocal };
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
  const x = parseIP(a);
  const y = parseIP(b);
  return !!x && !!y && x.every((v, i) => v === y[i]);
}

/** 0.0.0.0 and :: (what flushgateway writes as the gateway of every address). */
export function isZeroIP(ip: string | undefined): boolean {
  const p = ip === undefined ? undefined : parseIP(ip);
  return !p || (isIPv4(p) ? p.slice(12).every((b) => b === 0) : p.every((b) => b === 0));
}
