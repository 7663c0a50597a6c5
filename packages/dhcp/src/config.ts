import { ErrCode, gcAttachmentSchema } from '@cni-ts/cni';
import { decode, DecodeError as ConfigError, go, toJsonSchema } from '@cni-ts/cni/schema';
import { z } from 'zod';

/** An invalid configuration: Go's message, the offending field's path in `field`. */
export { ConfigError };

/** Where the daemon listens unless the config says otherwise. */
export const DEFAULT_SOCKET_PATH = '/run/cni/dhcp.sock';

// Go types are inferred from the zod types (z.string() is `string`...), see @cni-ts/cni's decoder.
const option = () => go(z.string(), 'main.DHCPOption');

export const provideOptionSchema = go(
  z.object({
    option: option().optional().describe('option name (see README) or decimal code 0-255'),
    value: z.string().optional().describe('literal value, at most 255 bytes'),
    fromArg: z.string().optional().describe('take the value from this CNI_ARGS key (e.g. K8S_POD_NAME)'),
  }),
  'main.ProvideOption',
  { struct: 'ProvideOption', nullAs: {} },
);

export const requestOptionSchema = go(
  z.object({
    skipDefault: z.boolean().optional().describe('do not add the default requested options (routers, subnet-mask)'),
    option: option().optional().describe('option name or decimal code to request (option 55)'),
  }),
  'main.RequestOption',
  { struct: 'RequestOption', nullAs: {} },
);

export const ipamSchema = go(
  z.object({
    type: z.string().optional(),
    daemonSocketPath: z.string().optional().describe(`the daemon's socket (default ${DEFAULT_SOCKET_PATH})`),
    provide: z.array(provideOptionSchema).optional().describe('options sent to the server'),
    request: z.array(requestOptionSchema).optional().describe('options asked of the server (parameter request list)'),
    priority: z.number().int().optional().describe('metric set on every returned route'),
  }),
  '*main.IPAMConfig',
  { struct: 'IPAMConfig' },
).describe('dhcp IPAM: a daemon (`dhcp daemon`) obtains and renews leases in the container namespace');

const attachments = () => z.array(gcAttachmentSchema);

export const netConfSchema = go(
  z.object({
    cniVersion: z.string().optional(),
    name: z.string().optional(),
    ipam: ipamSchema.optional(),
    // GC (spec 1.1): the attachments the runtime still knows (the second key is the spec's old name).
    'cni.dev/valid-attachments': attachments().optional(),
    'cni.dev/attachments': attachments().optional(),
  }),
  'main.NetConf',
  { struct: 'NetConf' },
);

export type ProvideOption = z.output<typeof provideOptionSchema>;
export type RequestOption = z.output<typeof requestOptionSchema>;

export interface GcAttachment {
  containerID: string;
  ifname: string;
}

export interface DhcpNetConf {
  name: string;
  /** GC's valid attachments; undefined when the config has no such key (nothing is known to be stale) */
  validAttachments?: GcAttachment[];
  cniVersion: string;
  socketPath: string;
  provide: ProvideOption[];
  request: RequestOption[];
  priority: number;
}

/** Go's json.Unmarshal of the config into the dhcp NetConf (texts as Go's, path in `field`). */
export function loadNetConf(stdin: unknown): DhcpNetConf {
  const n = decode(netConfSchema, stdin, { details: false });
  // Upstream dereferences a missing ipam (a panic that takes the daemon down); we say so instead.
  if (!n.ipam) throw new ConfigError(ErrCode.internal, "IPAM config missing 'ipam' key", '', 'ipam', "IPAM config missing 'ipam' key");
  const obj = (stdin ?? {}) as Record<string, unknown>;
  const has = (k: string) => Object.keys(obj).some((key) => key.toLowerCase() === k);
  const list = n['cni.dev/valid-attachments'] ?? n['cni.dev/attachments'];
  const known = list !== undefined || has('cni.dev/valid-attachments') || has('cni.dev/attachments');
  return {
    validAttachments: known ? (list ?? []).map((a) => ({ containerID: a.containerID ?? '', ifname: a.ifname ?? '' })) : undefined,
    name: n.name ?? '',
    cniVersion: n.cniVersion ?? '',
    socketPath: n.ipam.daemonSocketPath || DEFAULT_SOCKET_PATH,
    provide: n.ipam.provide ?? [],
    request: n.ipam.request ?? [],
    priority: n.ipam.priority ?? 0,
  };
}

/** JSON Schema of what the plugin and daemon read (input side). */
export function jsonSchema(): unknown {
  return toJsonSchema(netConfSchema);
}
