// The route-override network config (Go: RouteOverrideConfig) and the args.cni overrides.
import { type CniRequest, decode, go, goCIDR, goIP, goStruct, netConf, parsePrevResult, type Result, toCurrentResult, toJsonSchema } from '@cni-ts/cni';
import * as z from 'zod';

/** Where ADD records what it changed, for DEL (cni-ts; upstream's DEL does nothing). */
export const DEFAULT_DATA_DIR = '/run/cni/route-override';
/** cni-ts extension: the state directory when the config has no dataDir (tests use a temp dir). */
export const DATA_DIR_ENV = 'CNI_TS_ROUTE_OVERRIDE_DATA_DIR';

export const routeSchema = goStruct('types.Route', 'route', {
  dst: goCIDR().describe('destination, CIDR'),
  gw: goIP().optional().describe('gateway; addroutes without gw use the gateway of the result address of the same family'),
  priority: z.number().int().optional().describe('addroutes: metric'),
  table: z.number().int().optional().describe('addroutes: routing table (default main)'),
  scope: z.number().int().optional().describe('addroutes: route scope (default 0, universe)'),
  mtu: z.number().int().optional().describe('addroutes: path MTU'),
  advmss: z.number().int().optional().describe('addroutes: advertised MSS'),
});

export type RouteConf = z.output<typeof routeSchema>;

const options = () => ({
  flushroutes: z.boolean().optional().describe('delete every route with a gateway (and every default route) of the container interfaces'),
  flushgateway: z.boolean().optional().describe('delete the default routes and clear the gateway of every result address'),
  delroutes: go(z.array(routeSchema), '[]*types.Route').optional().describe('routes to delete, matched by dst (gw is ignored)'),
  addroutes: go(z.array(routeSchema), '[]*types.Route').optional().describe('routes to add on the container interface'),
  skipcheck: z.boolean().optional().describe('CHECK succeeds without looking'),
});

export const routeOverrideArgsSchema = goStruct('main.IPAMArgs', 'IPAMArgs', options()).describe('args.cni: per-attachment overrides of the same keys');

export const configSchema = netConf('RouteOverrideConfig', {
  ...options(),
  dataDir: z.string().optional().describe(`cni-ts: where ADD records its changes for DEL (default ${DEFAULT_DATA_DIR})`),
  args: goStruct('struct { A *main.IPAMArgs "json:\\"cni\\"" }', '', { cni: routeOverrideArgsSchema.optional() }).optional(),
}).describe('route-override: flush, delete and add routes of the container after the main plugin');

/** The JSON Schema (draft 2020-12) of a route-override config. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
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
  const n = decode(configSchema, req.config, { prefix: 'failed to load netconf', pathInMessage: true });
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
