import { gcAttachmentSchema } from '@cni-ts/cni';
import { SchemaDecodeError as ConfigError, decodeWithSchema, goField, toJsonSchema } from '@cni-ts/cni/schema';
import { z } from 'zod';

/** An invalid configuration: Go's message, the offending field's path in `field`. */
export { ConfigError };

/** Where the daemon listens unless the config says otherwise. */
export const DEFAULT_SOCKET_PATH = '/run/cni/dhcp.sock';

const str = (struct: string, type = 'string') => goField(z.string(), struct, type);

export const provideOptionSchema = z.object({
  option: str('ProvideOption', 'main.DHCPOption').optional().describe('option name (see README) or decimal code 0-255'),
  value: str('ProvideOption').optional().describe('literal value, at most 255 bytes'),
  fromArg: str('ProvideOption').optional().describe('take the value from this CNI_ARGS key (e.g. K8S_POD_NAME)'),
});

export const requestOptionSchema = z.object({
  skipDefault: goField(z.boolean(), 'RequestOption', 'bool')
    .optional()
    .describe('do not add the default requested options (routers, subnet-mask)'),
  option: str('RequestOption', 'main.DHCPOption').optional().describe('option name or decimal code to request (option 55)'),
});

export const ipamSchema = z
  .object({
    type: str('IPAMConfig').optional(),
    daemonSocketPath: str('IPAMConfig').optional().describe(`the daemon's socket (default ${DEFAULT_SOCKET_PATH})`),
    provide: goField(z.array(goField(provideOptionSchema, 'IPAMConfig', 'main.ProvideOption', { nullAs: {} })), 'IPAMConfig', '[]main.ProvideOption')
      .optional()
      .describe('options sent to the server'),
    request: goField(z.array(goField(requestOptionSchema, 'IPAMConfig', 'main.RequestOption', { nullAs: {} })), 'IPAMConfig', '[]main.RequestOption')
      .optional()
      .describe('options asked of the server (parameter request list)'),
    priority: goField(z.number().int(), 'IPAMConfig', 'int').optional().describe('metric set on every returned route'),
  })
  .describe('dhcp IPAM: a daemon (`dhcp daemon`) obtains and renews leases in the container namespace');

const attachments = goField(z.array(goField(gcAttachmentSchema, 'NetConf', 'types.GCAttachment', { nullAs: {} })), 'NetConf', '[]types.GCAttachment');

export const netConfSchema = z.object({
  cniVersion: str('NetConf').optional(),
  name: str('NetConf').optional(),
  ipam: goField(ipamSchema, 'NetConf', '*main.IPAMConfig').optional(),
  // GC (spec 1.1): the attachments the runtime still knows (the second key is the spec's old name).
  'cni.dev/valid-attachments': attachments.optional(),
  'cni.dev/attachments': attachments.optional(),
});

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
  const n = decodeWithSchema(netConfSchema, stdin, { pathInMessage: false });
  // Upstream dereferences a missing ipam (a panic that takes the daemon down); we say so instead.
  if (!n.ipam) throw new ConfigError("IPAM config missing 'ipam' key", 'ipam');
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
