// The ptp network configuration: upstream's NetConf (types.NetConf plus ipMasq, ipMasqBackend
// and mtu) decoded with Go's JSON rules (@cni-ts/cni's decoder: keys case-insensitive, Go's
// error texts).
import * as z from 'zod';
import { decode, netConf, toJsonSchema, type CniRequest } from '@cni-ts/cni';

export const configSchema = netConf('NetConf', {
  ipMasq: z.boolean().default(false).describe('masquerade traffic from the container to outside its subnets'),
  ipMasqBackend: z.string().optional().describe('"iptables" or "nftables"; default: iptables unless only nftables is usable'),
  mtu: z.number().int().default(0).describe('MTU of both veth ends; 0: the kernel default'),
}).describe('ptp: a veth pair, routed point to point through the host (/32 and /128 host routes)');

export type NetConf = z.output<typeof configSchema>;

/** JSON Schema (draft 2020-12) of the ptp config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** The config of a request: json.Unmarshal into NetConf, failures wrapped as upstream wraps them. */
export function loadConf(req: Pick<CniRequest, 'config'>): NetConf {
  return decode(configSchema, req.config, { prefix: 'failed to load netconf' });
}

/** dnsConfSet: the config's dns replaces IPAM's only when one of its fields is set. */
export function dnsConfSet(dns: NetConf['dns']): boolean {
  return dns !== undefined && (dns.nameservers != null || dns.search != null || dns.options != null || (dns.domain ?? '') !== '');
}
