import { SyscallError } from '../errors';
import { libc } from '../_libc';
import { parseIP, parseMAC } from '../codec/ip';
import type { OpsContext } from './_ctx';
import { linkByIndex, linkByName, linkObject } from './link';
import type { Link, LinkRef } from './link-types';

const AF_PACKET = 17;
const AF_INET6 = 10;
const SOCK_DGRAM = 2;
const SOCK_RAW = 3;
const SOCK_CLOEXEC = 0o2000000;
const ETH_P_ARP = 0x0806;
const IPPROTO_IPV6 = 41;
const IPPROTO_ICMPV6 = 58;
const IPV6_MULTICAST_IF = 17;
const IPV6_MULTICAST_HOPS = 18;

function int(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32LE(v);
  return b;
}

function resolve(ctx: OpsContext, ref: LinkRef): Link {
  return typeof ref === 'string' ? linkByName(ctx, ref) : linkByIndex(ctx, typeof ref === 'number' ? ref : ref.index);
}

function withSocket<T>(ctx: OpsContext, args: [number, number, number], what: string, fn: (fd: number) => T): T {
  const c = libc();
  // Packet and raw sockets belong to the namespace they are created in: create it there.
  const fd = ctx.inNetns(() => c.socket(args[0], args[1] | SOCK_CLOEXEC, args[2]));
  if (fd < 0) throw new SyscallError(c.errno(), what);
  try {
    return fn(fd);
  } finally {
    c.close(fd);
  }
}

/**
 * Sends a gratuitous ARP request for `ip` out of the link (sender and target both `ip`, broadcast),
 * the packet the kernel's arp_notify sends. The reference plugins rely on arp_notify=1 instead;
 * this is here for plugins that must announce an address themselves.
 */
export function sendGratuitousArp(ctx: OpsContext, link: LinkRef, ip: string, count = 1): void {
  const l = resolve(ctx, link);
  const addr = parseIP(ip);
  if (addr.length !== 4) throw new Error(`gratuitous ARP needs an IPv4 address, got ${ip}`);
  if (!l.mac) throw new Error(`link ${l.name} has no hardware address`);
  const mac = parseMAC(l.mac);
  const arp = Buffer.alloc(28);
  arp.writeUInt16BE(1, 0); // ARPHRD_ETHER
  arp.writeUInt16BE(0x0800, 2);
  arp.writeUInt8(6, 4);
  arp.writeUInt8(4, 5);
  arp.writeUInt16BE(1, 6); // ARPOP_REQUEST
  mac.copy(arp, 8);
  addr.copy(arp, 14);
  addr.copy(arp, 24);
  // struct sockaddr_ll to the broadcast address
  const sll = Buffer.alloc(20);
  sll.writeUInt16LE(AF_PACKET, 0);
  sll.writeUInt16BE(ETH_P_ARP, 2);
  sll.writeInt32LE(l.index, 4);
  sll.writeUInt8(6, 11);
  Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).copy(sll, 12);
  withSocket(ctx, [AF_PACKET, SOCK_DGRAM, 0], 'opening packet socket', (fd) => {
    const c = libc();
    for (let i = 0; i < count; i++) {
      if (c.sendto(fd, arp, arp.length, 0, sll, sll.length) < 0) {
        throw new SyscallError(c.errno(), `sending gratuitous ARP for ${ip} on link`, linkObject(link));
      }
    }
  });
}

/**
 * Sends an unsolicited neighbour advertisement (override flag, target link-layer address) for `ip`
 * to all-nodes, the packet the kernel's ndisc_notify sends. The kernel fills in the checksum.
 */
export function sendUnsolicitedNa(ctx: OpsContext, link: LinkRef, ip: string, count = 1): void {
  const l = resolve(ctx, link);
  const target = parseIP(ip);
  if (target.length !== 16) throw new Error(`unsolicited NA needs an IPv6 address, got ${ip}`);
  if (!l.mac) throw new Error(`link ${l.name} has no hardware address`);
  const na = Buffer.alloc(32);
  na.writeUInt8(136, 0); // ND_NEIGHBOR_ADVERT
  na.writeUInt32BE(0x20000000, 4); // override
  target.copy(na, 8);
  na.writeUInt8(2, 24); // ND_OPT_TARGET_LINKADDR
  na.writeUInt8(1, 25);
  parseMAC(l.mac).copy(na, 26);
  const dst = Buffer.alloc(28);
  dst.writeUInt16LE(AF_INET6, 0);
  parseIP('ff02::1').copy(dst, 8);
  dst.writeUInt32LE(l.index, 24);
  withSocket(ctx, [AF_INET6, SOCK_RAW, IPPROTO_ICMPV6], 'opening icmpv6 socket', (fd) => {
    const c = libc();
    // Neighbour discovery packets must carry hop limit 255 (RFC 4861 7.1.2).
    c.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, int(255), 4);
    c.setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, int(l.index), 4);
    // Send from the announced address when the kernel lets us (not while it is tentative).
    const src = Buffer.alloc(28);
    src.writeUInt16LE(AF_INET6, 0);
    target.copy(src, 8);
    src.writeUInt32LE(l.index, 24);
    c.bind(fd, src, src.length);
    for (let i = 0; i < count; i++) {
      if (c.sendto(fd, na, na.length, 0, dst, dst.length) < 0) {
        throw new SyscallError(c.errno(), `sending unsolicited NA for ${ip} on link`, linkObject(link));
      }
    }
  });
}
