// The sbr network configuration: upstream's PluginConf (types.NetConf plus `table`, and from
// upstream main `gateways` and `addSourceHints`) decoded with Go's JSON rules, the previous
// result, and the static gateways (one per family).
import * as z from 'zod';
import { decode, netConf, parseAddr, toJsonSchema, type CniRequest, type Result100 } from '@cni-ts/cni';
import { errText, prevResultOf } from '@cni-ts/plugin-kit';

export const configSchema = netConf('PluginConf', {
  // A *int in Go: absent and null mean "no table"; errors name the element type (int).
  table: z.number().int()
    .optional()
    .describe('only add `from <ip> lookup <table>` rules to this existing table (routes untouched); default: a new table per address from 100 on'),
  gateways: z
    .array(z.string())
    .optional()
    .describe('at most one IPv4 and one IPv6 gateway for the default route of each new table, instead of the addresses\' own'),
  addSourceHints: z
    .boolean()
    .default(false)
    .describe('keep `<subnet> dev <if> src <ip> scope link` in the main table (only the other routes of the interface move), so traffic without a chosen source still works'),
}).describe('sbr: source-based routing, a routing table per container address chosen by a rule on the source');

export type NetConf = z.output<typeof configSchema>;

export interface LoadedConf {
  conf: NetConf;
  prevResult: Result100 | undefined;
}

/** JSON Schema (draft 2020-12) of the sbr config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** parseConfig: decode, then the previous result (upstream's texts). */
export function loadConf(req: Pick<CniRequest, 'config' | 'cniVersion'>): LoadedConf {
  const conf = decode(configSchema, req.config, { prefix: 'failed to parse network configuration' });
  let prevResult: Result100 | undefined;
  try {
    prevResult = prevResultOf(conf.prevResult, req.cniVersion);
  } catch (err) {
    throw new Error(`could not parse prevResult: ${errText(err)}`, { cause: err });
  }
  return { conf, prevResult };
}

/** The `gateways` list: at most one address per family (upstream's texts). */
export function staticGateways(list: readonly string[] | undefined): { v4?: string; v6?: string } {
  const out: { v4?: string; v6?: string } = {};
  if (!list) return out;
  if (list.length > 2) throw new Error('gateways list cannot contain more than 2 entries (one IPv4, one IPv6)');
  for (const gw of list) {
    const a = parseAddr(gw);
    if (!a) throw new Error(`invalid static gateway IP address: ${gw}`);
    const key = a.bits === 32 ? 'v4' : 'v6';
    const have = out[key];
    if (have !== undefined) throw new Error(`gateways list contains multiple ${key === 'v4' ? 'IPv4' : 'IPv6'} addresses: ${have} and ${gw}`);
    out[key] = gw;
  }
  return out;
}
