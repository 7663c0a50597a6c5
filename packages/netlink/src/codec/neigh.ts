import { AttrMap, encodeAttrs, nla, type Attr } from './attr';
import { NDA } from './constants';
import { formatIP, formatMAC, parseIP, parseMAC } from './ip';

/** struct ndmsg */
export interface NdMsg {
  family: number;
  index: number;
  /** NUD_* */
  state: number;
  /** NTF_* */
  flags: number;
  type: number;
}

export const NDMSG_LEN = 12;

export interface NeighMessage extends Partial<NdMsg> {
  dst?: string;
  lladdr?: string;
  probes?: number;
  vlan?: number;
  master?: number;
  ifindex?: number;
  cacheinfo?: { confirmed: number; used: number; updated: number; refcnt: number };
}

export function encodeNdmsg(m: Partial<NdMsg>): Buffer {
  const b = Buffer.alloc(NDMSG_LEN);
  b.writeUInt8(m.family ?? 0, 0);
  b.writeInt32LE(m.index ?? 0, 4);
  b.writeUInt16LE(m.state ?? 0, 8);
  b.writeUInt8(m.flags ?? 0, 10);
  b.writeUInt8(m.type ?? 0, 11);
  return b;
}

export function decodeNeighMessage(data: Buffer): NeighMessage {
  const m: NeighMessage = {
    family: data.readUInt8(0),
    index: data.readInt32LE(4),
    state: data.readUInt16LE(8),
    flags: data.readUInt8(10),
    type: data.readUInt8(11),
  };
  const a = new AttrMap(data.subarray(NDMSG_LEN));
  const dst = a.get(NDA.DST);
  if (dst) m.dst = formatIP(dst);
  const ll = a.get(NDA.LLADDR);
  if (ll) m.lladdr = formatMAC(ll);
  const set = <K extends keyof NeighMessage>(k: K, v: NeighMessage[K] | undefined) => {
    if (v !== undefined) m[k] = v;
  };
  set('probes', a.u32(NDA.PROBES));
  set('vlan', a.u16(NDA.VLAN));
  set('master', a.u32(NDA.MASTER));
  set('ifindex', a.u32(NDA.IFINDEX));
  const ci = a.get(NDA.CACHEINFO);
  if (ci && ci.length >= 16) {
    m.cacheinfo = {
      confirmed: ci.readUInt32LE(0),
      used: ci.readUInt32LE(4),
      updated: ci.readUInt32LE(8),
      refcnt: ci.readUInt32LE(12),
    };
  }
  return m;
}

/** Encodes a neighbour message in iproute2's attribute order (ip/ipneigh.c). */
export function encodeNeighMessage(m: NeighMessage): Buffer {
  const attrs: Attr[] = [];
  if (m.dst !== undefined) attrs.push(nla.raw(NDA.DST, parseIP(m.dst)));
  if (m.lladdr !== undefined) attrs.push(nla.raw(NDA.LLADDR, parseMAC(m.lladdr)));
  if (m.vlan !== undefined) attrs.push(nla.u16(NDA.VLAN, m.vlan));
  if (m.master !== undefined) attrs.push(nla.u32(NDA.MASTER, m.master));
  if (m.ifindex !== undefined) attrs.push(nla.u32(NDA.IFINDEX, m.ifindex));
  return Buffer.concat([encodeNdmsg(m), encodeAttrs(attrs)]);
}
