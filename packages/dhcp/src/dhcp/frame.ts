// IPv4 + UDP framing for the packet socket: we send and receive whole IP datagrams, because
// the interface has no address yet (and a reply may be unicast to an address it does not have).

import { ip4Bytes, ip4Text, type IPv4 } from './message';

export const CLIENT_PORT = 68;
export const SERVER_PORT = 67;

function checksum(b: Uint8Array, initial = 0): number {
  let sum = initial;
  for (let i = 0; i + 1 < b.length; i += 2) sum += (b[i]! << 8) | b[i + 1]!;
  if (b.length & 1) sum += b[b.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** An IPv4/UDP datagram from `src:srcPort` to `dst:dstPort` carrying `payload`. */
export function buildUdp(src: IPv4, dst: IPv4, srcPort: number, dstPort: number, payload: Uint8Array): Uint8Array {
  const total = 20 + 8 + payload.length;
  const b = Buffer.alloc(total);
  b[0] = 0x45;
  b[1] = 0x10; // low delay, as DHCP clients customarily mark their packets
  b.writeUInt16BE(total, 2);
  b[8] = 64; // TTL
  b[9] = 17; // UDP
  b.set(ip4Bytes(src), 12);
  b.set(ip4Bytes(dst), 16);
  b.writeUInt16BE(~checksum(b.subarray(0, 20)) & 0xffff, 10);
  b.writeUInt16BE(srcPort, 20);
  b.writeUInt16BE(dstPort, 22);
  b.writeUInt16BE(8 + payload.length, 24);
  b.set(payload, 28);
  // UDP checksum over the pseudo header (src, dst, proto, length) and the datagram.
  const pseudo = Buffer.alloc(12);
  pseudo.set(ip4Bytes(src), 0);
  pseudo.set(ip4Bytes(dst), 4);
  pseudo[9] = 17;
  pseudo.writeUInt16BE(8 + payload.length, 10);
  let sum = ~checksum(b.subarray(20), checksum(pseudo)) & 0xffff;
  if (sum === 0) sum = 0xffff;
  b.writeUInt16BE(sum, 26);
  return b;
}

export interface UdpDatagram {
  src: IPv4;
  dst: IPv4;
  srcPort: number;
  dstPort: number;
  payload: Uint8Array;
}

/** Parses an IPv4/UDP datagram; undefined for anything else (other protocols, fragments, truncation). */
export function parseUdp(b: Uint8Array): UdpDatagram | undefined {
  if (b.length < 28 || b[0]! >> 4 !== 4 || b[9] !== 17) return undefined;
  const ihl = (b[0]! & 0x0f) * 4;
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  const total = buf.readUInt16BE(2);
  // More-fragments or a fragment offset: not a whole datagram.
  if (buf.readUInt16BE(6) & 0x3fff) return undefined;
  if (ihl < 20 || total > b.length || total < ihl + 8) return undefined;
  const udpLen = buf.readUInt16BE(ihl + 4);
  if (udpLen < 8 || ihl + udpLen > total) return undefined;
  return {
    src: ip4Text(b, 12),
    dst: ip4Text(b, 16),
    srcPort: buf.readUInt16BE(ihl),
    dstPort: buf.readUInt16BE(ihl + 2),
    payload: Uint8Array.from(b.subarray(ihl + 8, ihl + udpLen)),
  };
}
