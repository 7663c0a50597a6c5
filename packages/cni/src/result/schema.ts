// zod schemas of the three result shapes, decoding as Go does (see schema/decode.ts):
// addresses are validated and re-rendered, "" gateways are absent, unknown keys dropped.
import * as z from 'zod';
import { lazySchema } from '../schema/lazy';
import { go } from '../schema/go';
import { goCIDR, goInt, goIP } from '../schema/net';

const opt = <T extends z.ZodType>(t: T) => t.optional();

/** types.DNS, in results and in configs. */
export const dnsSchema = lazySchema(() =>
  go(
    z.object({
      nameservers: opt(z.array(z.string())),
      domain: opt(z.string()),
      search: opt(z.array(z.string())),
      options: opt(z.array(z.string())),
    }),
    'types.DNS',
    { struct: 'DNS' },
  ),
);

/** types.Route; dst missing stays missing (Go would print "<nil>"). */
export const routeSchema = lazySchema(() => z.object({
  dst: opt(goCIDR()),
  gw: opt(goIP()),
  mtu: opt(goInt()),
  advmss: opt(goInt()),
  priority: opt(goInt()),
  table: opt(goInt()),
  scope: opt(goInt()),
}));

export const interface100Schema = lazySchema(() => z.object({
  name: opt(z.string()),
  mac: opt(z.string()),
  mtu: opt(goInt()),
  sandbox: opt(z.string()),
  socketPath: opt(z.string()),
  pciID: opt(z.string()),
}));

export const ipConfig100Schema = lazySchema(() => z.object({
  interface: opt(goInt()),
  address: opt(goCIDR()),
  gateway: opt(goIP()),
}));

export const result100Schema = lazySchema(() => z.object({
  cniVersion: opt(z.string()),
  interfaces: opt(z.array(interface100Schema)),
  ips: opt(z.array(ipConfig100Schema)),
  routes: opt(z.array(routeSchema)),
  dns: opt(dnsSchema),
}));

export const interface040Schema = lazySchema(() => z.object({
  name: opt(z.string()),
  mac: opt(z.string()),
  sandbox: opt(z.string()),
}));

export const ipConfig040Schema = lazySchema(() => z.object({
  version: opt(z.string()),
  interface: opt(goInt()),
  address: opt(goCIDR()),
  gateway: opt(goIP()),
}));

export const result040Schema = lazySchema(() => z.object({
  cniVersion: opt(z.string()),
  interfaces: opt(z.array(interface040Schema)),
  ips: opt(z.array(ipConfig040Schema)),
  routes: opt(z.array(routeSchema)),
  dns: opt(dnsSchema),
}));

export const ipConfig020Schema = lazySchema(() => z.object({
  ip: opt(goCIDR()),
  gateway: opt(goIP()),
  routes: opt(z.array(routeSchema)),
}));

export const result020Schema = lazySchema(() => z.object({
  cniVersion: opt(z.string()),
  ip4: opt(ipConfig020Schema),
  ip6: opt(ipConfig020Schema),
  dns: opt(dnsSchema),
}));
