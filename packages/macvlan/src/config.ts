// The macvlan network configuration, decoded as upstream's NetConf (Go JSON rules) and
// completed as its loadConf does: default master, master MTU bound, MAC from CNI_ARGS and
// runtimeConfig.
import * as z from 'zod';
import { toJsonSchema } from '@cni-ts/cni';
import { decodeNetConfWith, goBool, goInt, goStr, goUint32, netConfFields } from '@cni-ts/plugin-kit';

export { ConfigError, ipamType } from '@cni-ts/plugin-kit';

export const MODES = ['bridge', 'private', 'vepa', 'passthru'] as const;
export type Mode = (typeof MODES)[number];

export const netConfSchema = z
  .object({
    ...netConfFields(),
    master: goStr('NetConf').optional().describe('host link the macvlan sits on; default: the interface of the first default route'),
    mode: goStr('NetConf')
      .optional()
      .describe('bridge (default), private, vepa or passthru')
      .meta({ examples: ['bridge', 'private', 'vepa', 'passthru'] }),
    mtu: goInt('NetConf').optional().describe('MTU of the macvlan, 0..master MTU; 0 or absent inherits the master\'s'),
    mac: goStr('NetConf').optional().describe('MAC address (overridden by CNI_ARGS MAC and runtimeConfig.mac); default: random'),
    linkInContainer: goBool('NetConf').optional().describe('the master lives in the container namespace'),
    bcqueuelen: goUint32('NetConf').optional().describe('broadcast queue length (IFLA_MACVLAN_BC_QUEUE_LEN); 0 = kernel default'),
    runtimeConfig: z
      .object({ mac: goStr('').optional().describe('capability mac') })
      .optional()
      .describe('set by the runtime from capabilities'),
  })
  .describe('macvlan: a macvlan interface on a host link, moved into the container');

export type NetConf = z.output<typeof netConfSchema>;

/** JSON Schema (draft 2020-12) of the macvlan config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(netConfSchema);
}

/** json.Unmarshal of stdin into NetConf, wrapped as upstream wraps it (`prefix` differs on DEL). */
export function decodeNetConf(config: unknown, prefix?: string): NetConf {
  return decodeNetConfWith(netConfSchema, config, prefix);
}
