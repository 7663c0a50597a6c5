// zod types for Go's net.IP and types.IPNet fields: they accept what Go accepts, reject with
// Go's texts ("invalid IP address: x", "invalid CIDR address: x") and output the address as Go
// would print it back.
import * as z from 'zod';
import { canonicalCIDR, canonicalIP } from '../ip';

/** A net.IP field: "" means absent (undefined), anything else must parse. */
export function goIP() {
  return z.string().transform((s, ctx) => {
    if (s === '') return undefined;
    const ip = canonicalIP(s);
    if (ip === undefined) {
      ctx.issues.push({ code: 'custom', message: `invalid IP address: ${s}`, input: s });
      return z.NEVER;
    }
    return ip;
  });
}

/** A types.IPNet field ("10.1.2.3/24", host bits kept); "" is an error as in Go. */
export function goCIDR() {
  return z.string().transform((s, ctx) => {
    const n = canonicalCIDR(s);
    if (n === undefined) {
      ctx.issues.push({ code: 'custom', message: `invalid CIDR address: ${s}`, input: s });
      return z.NEVER;
    }
    return n;
  });
}

/** A Go int field: a JSON number without a fraction. */
export function goInt() {
  return z.number().int();
}

/** A Go uint / uint64 field. */
export function goUint() {
  return z.number().int().nonnegative();
}
