// cnitool's environment: NETCONFPATH, CNI_PATH, CNI_ARGS, CAP_ARGS, CNI_IFNAME, and the
// container id it derives from the netns path.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { goJsonParse, splitPath } from '@cni-ts/cni';

export const DEFAULT_NET_DIR = '/etc/cni/net.d';

/** cnitool's parseArgs: every `;`-separated pair must be exactly `k=v` with both sides non-empty. */
export function parseCniArgs(raw: string): [string, string][] | undefined {
  if (raw === '') return undefined;
  return raw.split(';').map((pair) => {
    const kv = pair.split('=');
    if (kv.length !== 2 || kv[0] === '' || kv[1] === '') throw new Error(`invalid CNI_ARGS pair ${JSON.stringify(pair)}`);
    return [kv[0]!, kv[1]!];
  });
}

/** CAP_ARGS: a JSON object (null = none), as json.Unmarshal into map[string]interface{}. */
export function parseCapArgs(raw: string): Record<string, unknown> | undefined {
  if (raw === '') return undefined;
  const v = goJsonParse(raw);
  if (v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new Error(`json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v === 'boolean' ? 'bool' : typeof v} into Go value of type map[string]interface {}`);
  }
  return v as Record<string, unknown>;
}

/** cnitool's container id: `cnitool-` + the first 10 bytes of sha512(absolute netns path), in hex. */
export function containerIdFor(netnsPath: string): string {
  return `cnitool-${createHash('sha512').update(path.resolve(netnsPath)).digest().subarray(0, 10).toString('hex')}`;
}

export interface CliEnv {
  netDir: string;
  cniPath: string[];
  args: [string, string][] | undefined;
  capabilityArgs: Record<string, unknown> | undefined;
  ifName: string;
}

/** Reads cnitool's variables; `ifnameFlag` (-i) wins over CNI_IFNAME, then "eth0". */
export function readCliEnv(env: Readonly<Record<string, string | undefined>>, ifnameFlag?: string): CliEnv {
  return {
    netDir: env.NETCONFPATH || DEFAULT_NET_DIR,
    cniPath: splitPath(env.CNI_PATH ?? ''),
    capabilityArgs: parseCapArgs(env.CAP_ARGS ?? ''),
    args: parseCniArgs(env.CNI_ARGS ?? ''),
    ifName: ifnameFlag || env.CNI_IFNAME || 'eth0',
  };
}
