// zod types for Go's net.IP and types.IPNet fields: they accept what Go accepts, reject with
// Go's texts ("invalid IP address: x", "invalid CIDR address: x") and output the address as Go
// would print it back (goIP, goCIDR) or parsed for arithmetic (goIPAddr, goCIDRAddr).
import * as z from 'zod';
import { canonicalCIDR, canonicalIP, parseAddr, parseAddrNet } from '../ip';
import { go } from './go';

/** `parse(s)`, or Go's `invalid <what> address: <s>` as an issue. */
function parseOr<T>(s: string, ctx: z.core.$RefinementCtx<string>, what: 'IP' | 'CIDR', parse: (s: string) => T | undefined): T {
  const v = parse(s);
  if (v === undefined) {
    ctx.issues.push({ code: 'custom', message: `invalid ${what} address: ${s}`, input: s });
    return z.NEVER;
  }
  return v;
}

/** A net.IP field: "" means absent (undefined), anything else must parse. */
export function goIP() {
  return go(z.string().transform((s, ctx) => (s === '' ? undefined : parseOr(s, ctx, 'IP', canonicalIP))), 'net.IP');
}

/** A types.IPNet field ("10.1.2.3/24", host bits kept); "" is an error as in Go. */
export function goCIDR() {
  return go(z.string().transform((s, ctx) => parseOr(s, ctx, 'CIDR', canonicalCIDR)), 'types.IPNet');
}

/** goIP with the address parsed (an Addr, for range arithmetic). */
export function goIPAddr() {
  return go(z.string().transform((s, ctx) => (s === '' ? undefined : parseOr(s, ctx, 'IP', parseAddr))), 'net.IP');
}

/** goCIDR with the CIDR parsed (an AddrNet: host bits and the written mask kept). */
export function goCIDRAddr() {
  return go(z.string().transform((s, ctx) => parseOr(s, ctx, 'CIDR', parseAddrNet)), 'types.IPNet');
}

/** A Go int field: a JSON number without a fraction. */
export function goInt() {
  return z.number().int();
}

/** A Go uint / uint64 field. */
export function goUint() {
  return go(z.number().int(), 'uint');
}
