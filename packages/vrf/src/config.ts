// The vrf network configuration: upstream's VRFNetConf (v1.9.x) decoded with Go's JSON rules, and
// parseConf's checks (a VRF name, a prevResult that parses).
import * as z from 'zod';
import { decode, goUint32, netConf, toJsonSchema, type CniRequest, type Result100 } from '@cni-ts/cni';
import { errText, prevResultOf } from '@cni-ts/plugin-kit';

export const configSchema = netConf('VRFNetConf', {
  vrfname: z.string().optional().describe('the VRF the interface is put in (required); created when missing'),
  table: goUint32().optional().describe('routing table of the VRF; default: the lowest id from 1 no other VRF of the namespace uses'),
}).describe('vrf: puts the container interface of the previous plugin into a VRF, keeping its IPv6 addresses and routes');

export type NetConf = z.output<typeof configSchema>;
export type LoadedConf = NetConf & { vrfname: string; table: number; result: Result100 | undefined };

/** JSON Schema (draft 2020-12) of the vrf config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** parseConf: decode, a VRF name, prevResult parsed and converted (absent: allowed, for DEL). */
export function loadConf(req: Pick<CniRequest, 'config' | 'cniVersion'>): LoadedConf {
  const n = decode(configSchema, req.config, { prefix: 'failed to load netconf' });
  if (!n.vrfname) throw new Error('configuration is expected to have a valid vrf name');
  let result: Result100 | undefined;
  try {
    result = prevResultOf(n.prevResult, req.cniVersion);
  } catch (err) {
    throw new Error(`could not parse prevResult: ${errText(err)}`, { cause: err });
  }
  return { ...n, vrfname: n.vrfname, table: n.table ?? 0, result };
}
