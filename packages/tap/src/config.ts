// The tap network configuration: upstream's NetConf (v1.9.x) decoded with Go's JSON rules, and
// loadConf's completion (the MAC from CNI_ARGS, then from runtimeConfig).
import * as z from 'zod';
import { decode, go, goStruct, goUint32, netConf, toJsonSchema, type CniRequest } from '@cni-ts/cni';

export const configSchema = netConf('NetConf', {
  multiQueue: z.boolean().optional().describe('create a multi-queue tap (IFF_MULTI_QUEUE)'),
  mtu: z.number().int().optional().describe("MTU of the tap; 0 or absent: the kernel's default"),
  mac: z.string().optional().describe('MAC address (overridden by CNI_ARGS MAC and runtimeConfig.mac); default: random'),
  owner: goUint32().optional().describe('uid allowed to open the tap without CAP_NET_ADMIN (TUNSETOWNER)'),
  group: goUint32().optional().describe('gid allowed to open the tap without CAP_NET_ADMIN (TUNSETGROUP)'),
  selinuxContext: z.string().optional().describe('SELinux context the tap is created under (needs SELinux)'),
  bridge: z.string().optional().describe('a bridge in the container namespace the tap becomes a port of'),
  args: go(z.looseObject({}), 'struct {}').optional().describe('must be an object when present (upstream: *struct{})'),
  runtimeConfig: goStruct('struct { Mac string "json:\\"mac,omitempty\\"" }', '', { mac: z.string().optional().describe('capability mac') })
    .optional()
    .describe('set by the runtime from capabilities'),
}).describe('tap: a tap device in the container (for VMs: kubevirt, kata), optionally on a bridge there, with IPAM addresses or L2 only');

export type NetConf = z.output<typeof configSchema>;

/** JSON Schema (draft 2020-12) of the tap config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** CNI_ARGS: MAC is the only key besides IgnoreUnknown (field names are case-sensitive). */
const ARGS = { MAC: 'string' } as const;

/** loadConf (every command): decode, then the MAC of CNI_ARGS, then runtimeConfig's. */
export function loadConf(req: Pick<CniRequest, 'config' | 'args'>): NetConf {
  const n = decode(configSchema, req.config, { prefix: 'failed to load netconf' });
  if (req.args.raw !== '') {
    const a = req.args.load(ARGS);
    if (a.MAC) n.mac = a.MAC;
  }
  if (n.runtimeConfig?.mac) n.mac = n.runtimeConfig.mac;
  return n;
}
