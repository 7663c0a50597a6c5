// The ipvlan network configuration, decoded as upstream's NetConf (Go JSON rules), plus the
// `flag` (bridge/private/vepa) upstream does not expose yet (containernetworking/plugins#1032).
import * as z from 'zod';
import { toJsonSchema } from '@cni-ts/cni';
import { decodeNetConfWith, goBool, goInt, goStr, netConfFields } from '@cni-ts/plugin-kit';

export { ConfigError, ipamType } from '@cni-ts/plugin-kit';

export const netConfSchema = z
  .object({
    ...netConfFields(),
    master: goStr('NetConf')
      .optional()
      .describe('host link the ipvlan sits on; default: the single interface of prevResult when chained, else the interface of the first default route'),
    mode: goStr('NetConf').optional().describe('l2 (default), l3 or l3s').meta({ examples: ['l2', 'l3', 'l3s'] }),
    flag: goStr('NetConf')
      .optional()
      .describe('isolation between ipvlans of one master: bridge (default), private or vepa (cni-ts extension)')
      .meta({ examples: ['bridge', 'private', 'vepa'] }),
    mtu: goInt('NetConf').optional().describe('MTU of the ipvlan; 0 or absent inherits the master\'s (the kernel refuses more than the master\'s)'),
    linkInContainer: goBool('NetConf').optional().describe('the master lives in the container namespace'),
  })
  .describe('ipvlan: an ipvlan interface on a host link, moved into the container');

export type NetConf = z.output<typeof netConfSchema>;

/** JSON Schema (draft 2020-12) of the ipvlan config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(netConfSchema);
}

/** json.Unmarshal of stdin into NetConf, wrapped as upstream does. */
export function decodeNetConf(config: unknown): NetConf {
  return decodeNetConfWith(netConfSchema, config);
}
