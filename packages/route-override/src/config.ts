// The route-override network config (Go: RouteOverrideConfig) and the args.cni overrides.
import { type CniRequest, canonicalCIDR, canonicalIP, dnsSchema, parsePrevResult, type Result, toCurrentResult, toJsonSchema } from '@cni-ts/cni';
import * as z from 'zod';
import { decodeGoStruct as decodeConf, type GoStructTypes as GoTypes } from '@cni-ts/cni';

/** Where ADD records what it changed, for DEL (cni-ts; upstream's DEL does nothing). */
export const DEFAULT_DATA_DIR = '/run/cni/route-override';
/** cni-ts extension: the state directory when the config has no dataDir (tests use a temp dir). */
export const DATA_DIR_ENV = 'CNI_TS_ROUTE_OVERRIDE_DATA_DIR';

const cidr = z.string().transform((s, ctx) => {
  const c = canonicalCIDR(s);
  if (c === undefined) {
    ctx.issues.push({ code: 'custom', message: `invalid CIDR address: ${s}`, input: s });
    return z.NEVER;
  }
  return c;
});

const ip = z.string().transform((s, ctx) => {
  if (s === '') return undefined;
  const c = canonicalIP(s);
  if (c === undefined) {
    ctx.issues.push({ code: 'custom', message: `invalid IP address: ${s}`, input: s });
    return z.NEVER;
  }
  return c;
});

const int = z.number().int();

export const routeSchema = z.object({
  dst: cidr.describe('destination, CIDR'),
  gw: ip.optional().describe('gateway; addroutes without gw use the gateway of the result address of the same family'),
  priority: int.optional().describe('addroutes: metric'),
  table: int.optional().describe('addroutes: routing table (default main)'),
  scope: int.optional().describe('addroutes: route scope (default 0, universe)'),
  mtu: int.optional().describe('addroutes: path MTU'),
  advmss: int.optional().describe('addroutes: advertised MSS'),
});

export type RouteConf = z.output<typeof routeSchema>;

const options = {
  flushroutes: z.boolean().describe('delete every route with a gateway (and every default route) of the container interfaces'),
  flushgateway: z.boolean().describe('delete the default routes and clear the gateway of every result address'),
  delroutes: z.array(routeSchema).describe('routes to delete, matched by dst (gw is ignored)'),
  addroutes: z.array(routeSchema).describe('routes to add on the container interface'),
  skipcheck: z.boolean().describe('CHECK succeeds without looking'),
};

export const routeOverrideArgsSchema = z
  .object({
    flushroutes: options.flushroutes.optional(),
    flushgateway: options.flushgateway.optional(),
    delroutes: options.delroutes.optional(),
    addroutes: options.addroutes.optional(),
    skipcheck: options.skipcheck.optional(),
  })
  .describe('args.cni: per-attachment overrides of the same keys');

export const routeOverrideConfSchema = z
  .looseObject({
    cniVersion: z.string().optional(),
    name: z.string().optional(),
    type: z.string().optional(),
    capabilities: z.record(z.string(), z.boolean()).optional(),
    ipam: z.looseObject({ type: z.string().optional() }).optional(),
    dns: dnsSchema.optional(),
    prevResult: z.record(z.string(), z.unknown()).optional(),
    flushroutes: options.flushroutes.optional(),
    flushgateway: options.flushgateway.optional(),
    delroutes: options.delroutes.optional(),
    addroutes: options.addroutes.optional(),
    skipcheck: options.skipcheck.optional(),
    dataDir: z.string().optional().describe(`cni-ts: where ADD records its changes for DEL (default ${DEFAULT_DATA_DIR})`),
    args: z.looseObject({ cni: routeOverrideArgsSchema.optional() }).optional(),
  })
  .describe('route-override: flush, delete and add routes of the container after the main plugin');

const route = (path: string, t: string) => ({ [`${path}.dst`]: ['route', 'types.IPNet', 'dst'], [`${path}.gw`]: ['route', 'net.IP', 'gw'], [path]: [t, '[]*types.Route'] }) as GoTypes;

const GO_TYPES: GoTypes = {
  cniVersion: ['RouteOverrideConfig', 'string'],
  name: ['RouteOverrideConfig', 'string'],
  type: ['RouteOverrideConfig', 'string'],
  capabilities: ['RouteOverrideConfig', 'bool'],
  ipam: ['RouteOverrideConfig', 'types.IPAM'],
  dns: ['RouteOverrideConfig', 'types.DNS'],
  prevResult: ['RouteOverrideConfig', 'map[string]interface {}'],
  flushroutes: ['RouteOverrideConfig', 'bool'],
  flushgateway: ['RouteOverrideConfig', 'bool'],
  skipcheck: ['RouteOverrideConfig', 'bool'],
  dataDir: ['RouteOverrideConfig', 'string'],
  ...route('delroutes', 'RouteOverrideConfig'),
  ...route('addroutes', 'RouteOverrideConfig'),
  args: ['RouteOverrideConfig', 'struct { A *main.IPAMArgs "json:\\"cni\\"" }'],
  'args.cni': ['', 'main.IPAMArgs'],
  'args.cni.flushroutes': ['IPAMArgs', 'bool'],
  'args.cni.flushgateway': ['IPAMArgs', 'bool'],
  'args.cni.skipcheck': ['IPAMArgs', 'bool'],
  ...route('args.cni.delroutes', 'IPAMArgs'),
  ...route('args.cni.addroutes', 'IPAMArgs'),
};

/** The JSON Schema (draft 2020-12) of a route-override config. */
export function routeOverrideJsonSchema(): Record<string, unknown> {
  return toJsonSchema(routeOverrideConfSchema);
}

export interface RouteOverrideConf {
  cniVersion: string;
  name: string;
  dataDir: string;
  flushroutes: boolean;
  flushgateway: boolean;
  delroutes: RouteConf[];
  addroutes: RouteConf[];
  skipcheck: boolean;
  rawPrevResult?: Record<string, unknown>;
}

/**
 * parseConf: args.cni values replace the top-level ones. Upstream dereferences args.cni without
 * looking, so `args` without `cni` panics; here it simply overrides nothing.
 */
export function loadConf(req: Pick<CniRequest, 'config' | 'env' | 'cniVersion'>): RouteOverrideConf {
  const n = decodeConf(routeOverrideConfSchema, req.config, GO_TYPES, 'failed to load netconf');
  const a = n.args?.cni ?? {};
  const conf: RouteOverrideConf = {
    cniVersion: req.cniVersion,
    name: n.name ?? '',
    dataDir: n.dataDir || req.env[DATA_DIR_ENV] || DEFAULT_DATA_DIR,
    flushroutes: a.flushroutes ?? n.flushroutes ?? false,
    flushgateway: a.flushgateway ?? n.flushgateway ?? false,
    delroutes: a.delroutes ?? n.delroutes ?? [],
    addroutes: a.addroutes ?? n.addroutes ?? [],
    skipcheck: a.skipcheck ?? n.skipcheck ?? false,
  };
  if (n.prevResult !== undefined) conf.rawPrevResult = n.prevResult;
  return conf;
}

/** The previous plugin's result in the newest shape (upstream panics when there is none). */
export function requirePrevResult(c: RouteOverrideConf): ReturnType<typeof toCurrentResult> {
  if (c.rawPrevResult === undefined) throw new Error('Required prevResult missing');
  const prev = parsePrevResult(c.rawPrevResult, c.cniVersion) as Result;
  try {
    return structuredClone(toCurrentResult(prev));
  } catch (err) {
    throw new Error(`could not convert result to current version: ${(err as Error).message}`, { cause: err });
  }
}
