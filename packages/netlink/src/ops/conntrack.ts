// Conntrack entries over ctnetlink: list, and delete those matching a filter. portmap deletes the
// UDP entries of a newly mapped host port (Go: netlink.ConntrackDeleteFilters with protocol 17 and
// the original destination port), so that traffic already tracked towards the port is NATed anew.
import { isNotFound, q } from '../errors';
import { ctDeleteType, ctGetType, decodeConntrack, encodeConntrackDelete, encodeConntrackDump, type ConntrackEntry, type ConntrackTuple } from '../codec/conntrack';
import { maskIP, parseCIDR, parseIP } from '../codec/ip';
import { L4PROTO, type L4Proto } from '../codec/nft/match';
import type { NfContext } from './nftables';

/** Which entries: every field given must match (addresses as an IP or a CIDR). */
export interface ConntrackFilter {
  family?: 4 | 6;
  proto?: L4Proto | number;
  origSrc?: string;
  origDst?: string;
  origSrcPort?: number;
  origDstPort?: number;
  replySrc?: string;
  replyDst?: string;
  replySrcPort?: number;
  replyDstPort?: number;
  mark?: number;
  zone?: number;
}

function addrMatcher(cidr: string | undefined): (ip: string) => boolean {
  if (cidr === undefined) return () => true;
  const { ip, prefixLen } = parseCIDR(cidr);
  const net = maskIP(ip, prefixLen);
  return (s) => {
    if (!s) return false;
    const b = parseIP(s);
    return b.length === net.length && maskIP(b, prefixLen).equals(net);
  };
}

function tupleMatcher(src: string | undefined, dst: string | undefined, sport: number | undefined, dport: number | undefined) {
  const s = addrMatcher(src);
  const d = addrMatcher(dst);
  return (t: ConntrackTuple): boolean => s(t.src) && d(t.dst) && (sport === undefined || t.sport === sport) && (dport === undefined || t.dport === dport);
}

function matcher(f: ConntrackFilter): (e: ConntrackEntry) => boolean {
  const proto = f.proto === undefined ? undefined : typeof f.proto === 'number' ? f.proto : L4PROTO[f.proto];
  if (f.proto !== undefined && proto === undefined) throw new TypeError(`unknown protocol ${String(f.proto)}`);
  const ports = [f.origSrcPort, f.origDstPort, f.replySrcPort, f.replyDstPort];
  if (proto === undefined && ports.some((p) => p !== undefined)) throw new TypeError('a conntrack port filter needs a protocol');
  const orig = tupleMatcher(f.origSrc, f.origDst, f.origSrcPort, f.origDstPort);
  const reply = tupleMatcher(f.replySrc, f.replyDst, f.replySrcPort, f.replyDstPort);
  return (e) =>
    (f.family === undefined || e.family === f.family) &&
    (proto === undefined || e.orig.proto === proto) &&
    (f.mark === undefined || e.mark === f.mark) &&
    (f.zone === undefined || (e.zone ?? 0) === f.zone) &&
    orig(e.orig) &&
    reply(e.reply);
}

/** The conntrack entries matching the filter (all by default). */
export function conntrackList(ctx: NfContext, filter: ConntrackFilter = {}): ConntrackEntry[] {
  const match = matcher(filter);
  return ctx.sock
    .dump(ctGetType, encodeConntrackDump(filter.family), { op: 'listing conntrack entries' })
    .map((m) => decodeConntrack(m.data))
    .filter(match);
}

/** Deletes the entries matching the filter; returns how many it deleted (entries gone meanwhile are not counted). */
export function conntrackDelete(ctx: NfContext, filter: ConntrackFilter): number {
  let n = 0;
  for (const e of conntrackList(ctx, filter)) {
    const o = e.orig;
    const object = q(`${o.proto} ${o.src}${o.sport === undefined ? '' : `:${o.sport}`} -> ${o.dst}${o.dport === undefined ? '' : `:${o.dport}`}`);
    try {
      ctx.sock.request(ctDeleteType, 0, encodeConntrackDelete(e), { op: 'deleting conntrack entry', object });
      n++;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
  return n;
}
