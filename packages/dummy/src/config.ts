// The dummy network configuration: types.NetConf alone (upstream's dummy has no fields of its
// own), decoded with Go's JSON rules (@cni-ts/cni's decoder: keys case-insensitive, Go's texts).
import * as z from 'zod';
import { decode, netConf, toJsonSchema, type CniRequest } from '@cni-ts/cni';

export const configSchema = netConf('NetConf', {}).describe(
  'dummy: a dummy interface in the container carrying the addresses of the IPAM plugin (ipam is required)',
);

export type NetConf = z.output<typeof configSchema>;

/** JSON Schema (draft 2020-12) of the dummy config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** parseNetConf: json.Unmarshal into types.NetConf (ADD, CHECK, DEL), wrapped as upstream wraps it. */
export function loadConf(req: Pick<CniRequest, 'config'>, prefix = 'failed to parse network config'): NetConf {
  return decode(configSchema, req.config, { prefix });
}

/** ADD and CHECK refuse a config without ipam.type (upstream's text). */
export function ipamType(conf: NetConf): string {
  const type = conf.ipam?.type ?? '';
  if (type === '') throw new Error('dummy interface requires an IPAM configuration');
  return type;
}
