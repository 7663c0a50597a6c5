// The pod annotations Multus reads: `k8s.v1.cni.cncf.io/networks` and
// `v1.multus-cni.io/default-network`, in the comma form (`ns/name@ifname, ...`) or as a JSON
// list of selection elements (upstream parsePodNetworkAnnotation).
import * as z from 'zod';
import { canonicalIP, decode, go, goJsonParse, lazySchema, parseCIDR, parseIP, validateInterfaceName } from '@cni-ts/cni';
import { bandwidthEntrySchema, portMapEntrySchema, type BandwidthEntry, type PortMapEntry } from './config';
import { parseGoMAC } from './mac';

export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
export const DEFAULT_NETWORK_ANNOTATION = 'v1.multus-cni.io/default-network';
export const NETWORK_STATUS_ANNOTATION = 'k8s.v1.cni.cncf.io/network-status';
export const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';

/** One attachment request (upstream types.NetworkSelectionElement). */
export interface NetworkSelectionElement {
  name: string;
  namespace?: string;
  ipRequest?: string[];
  macRequest?: string;
  infinibandGUIDRequest?: string;
  interfaceRequest?: string;
  portMappingsRequest?: PortMapEntry[];
  bandwidthRequest?: BandwidthEntry;
  deviceID?: string;
  cniArgs?: Record<string, unknown>;
  /** Canonical gateway IPs; present (maybe empty) when the key was given. */
  gatewayRequest?: string[];
}


const ipText = z.string().transform((s, ctx) => {
  const ip = canonicalIP(s);
  if (ip === undefined) {
    ctx.addIssue({ code: 'custom', message: `invalid IP address: ${s}` });
    return z.NEVER;
  }
  return ip;
});

// Built on first use: only pods with a network annotation have one to parse.
const elementSchema = lazySchema(() =>
  go(
    z.object({
      name: z.string().optional(),
      namespace: z.string().optional(),
      ips: z.array(z.string().nullable()).optional(),
      mac: z.string().optional(),
      'infiniband-guid': z.string().optional(),
      interface: z.string().optional(),
      interfaceRequest: z.string().optional(),
      portMappings: go(z.array(portMapEntrySchema.nullable()), '[]*types.PortMapEntry').optional(),
      bandwidth: bandwidthEntrySchema.optional(),
      deviceID: z.string().optional(),
      'cni-args': z.record(z.string(), z.unknown()).optional(),
      'default-route': z.array(go(ipText, 'net.IP').nullable()).optional(),
    }),
    '*types.NetworkSelectionElement',
    { struct: 'NetworkSelectionElement' },
  ),
);

const DNS1123 = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const IFNAMSIZ = 16;
/** The API server's limit on all annotations of one object together (TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATION_BYTES = 256 * 1024;

export class AnnotationError extends Error {
  /** The offending field (`k8s.v1.cni.cncf.io/networks[1].interface`), when one is to blame. */
  readonly field: string | undefined;
  constructor(message: string, field?: string) {
    super(message);
    this.name = 'AnnotationError';
    this.field = field;
  }
}

/** A value quoted for an error text, cut at 64 characters (annotations are untrusted and may be huge). */
export function quoteShort(s: string): string {
  return s.length > 64 ? `${JSON.stringify(s.slice(0, 64))}... (${s.length} characters)` : JSON.stringify(s);
}

/** Why `name` cannot be a NetworkAttachmentDefinition's name (an object name: a DNS-1123 subdomain). */
export function invalidNadName(name: string): string | undefined {
  if (name === '') return 'a network name is required';
  if (name.length > 253 || !DNS1123_SUBDOMAIN.test(name)) {
    return `invalid network name ${quoteShort(name)}: must be a DNS-1123 subdomain (lower case alphanumeric characters, '-' or '.', starting and ending with an alphanumeric character)`;
  }
  return undefined;
}

/** Why `ns` cannot be a namespace (a DNS-1123 label). */
export function invalidNamespace(ns: string): string | undefined {
  if (ns.length > 63 || !DNS1123.test(ns)) {
    return `invalid namespace ${quoteShort(ns)}: must be a DNS-1123 label (lower case alphanumeric characters or '-', starting and ending with an alphanumeric character)`;
  }
  return undefined;
}

/** Why `ifname` cannot be an interface name (the skeleton's rule for CNI_IFNAME). */
export function invalidInterfaceName(ifname: string): string | undefined {
  const bad = validateInterfaceName(ifname);
  return bad ? `invalid interface name ${quoteShort(ifname)}: ${bad.msg}` : undefined;
}

/**
 * Every name of the elements that becomes a URL, a path or an interface, checked where it
 * enters (upstream checks only some of them, in the comma form only): the NAD name (required),
 * an explicit namespace, the interface. Errors name the field.
 */
function checkNames(networks: readonly NetworkSelectionElement[], annotation: string): void {
  for (const [i, n] of networks.entries()) {
    const at = `${annotation}[${i}]`;
    const fail = (field: string, why: string) => new AnnotationError(`parsePodNetworkAnnotation: ${at}.${field}: ${why}`, `${at}.${field}`);
    const name = invalidNadName(n.name);
    if (name) throw fail('name', name);
    const ns = n.namespace === undefined || n.namespace === '' ? undefined : invalidNamespace(n.namespace);
    if (ns) throw fail('namespace', ns);
    const ifname = n.interfaceRequest === undefined ? undefined : invalidInterfaceName(n.interfaceRequest);
    if (ifname) throw fail('interface', ifname);
  }
}

/** parsePodNetworkObjectName: `[<ns>/]<name>[@<ifname>]`. */
export function parseNetworkObjectName(item: string): { namespace: string; name: string; ifname: string } {
  const F = 'parsePodNetworkObjectName';
  const slash = item.split('/');
  let namespace = '';
  let rest: string;
  if (slash.length === 2) {
    namespace = slash[0]!.trim();
    rest = slash[1]!;
  } else if (slash.length === 1) {
    rest = slash[0]!;
  } else {
    throw new AnnotationError(`${F}: Invalid network object (failed at '/')`, '');
  }
  const at = rest.split('@');
  const name = at[0]!.trim();
  let ifname = '';
  if (at.length === 2) ifname = at[1]!.trim();
  else if (at.length !== 1) throw new AnnotationError(`${F}: Invalid network object (failed at '@')`, '');
  for (const [field, part] of [['namespace', namespace], ['name', name]] as const) {
    if (part.length > 0 && !DNS1123.test(part)) {
      throw new AnnotationError(
        `${F}: Failed to parse: one or more items did not match comma-delimited format (must consist of lower case alphanumeric characters). Must start and end with an alphanumeric character), mismatch @ '${part}'`,
        field,
      );
    }
  }
  if (ifname.length > 0 && (Buffer.byteLength(ifname) > IFNAMSIZ - 1 || /[ \t\n\v\f\r/]/.test(ifname))) {
    throw new AnnotationError(`${F}: Failed to parse interface name: must be less than 15 chars and not contain '/' or spaces. interface name '${ifname}'`, 'interface');
  }
  return { namespace, name, ifname };
}

function fromJson(text: string, annotation: string): NetworkSelectionElement[] {
  const fail = (m: string, field = annotation) => new AnnotationError(`parsePodNetworkAnnotation: failed to parse pod Network Attachment Selection Annotation JSON format: ${m}`, field);
  let value: unknown;
  try {
    value = goJsonParse(text);
  } catch (err) {
    throw fail((err as Error).message);
  }
  if (value === null) return [];
  if (!Array.isArray(value)) {
    throw fail(`json: cannot unmarshal ${typeof value === 'object' ? 'object' : typeof value === 'boolean' ? 'bool' : typeof value} into Go value of type []*types.NetworkSelectionElement`);
  }
  return value.map((raw, i) => {
    if (raw === null) return { name: '' };
    let el: z.output<typeof elementSchema>;
    try {
      el = decode(elementSchema, raw, { pathInMessage: true });
    } catch (err) {
      throw fail((err as { msg?: string; message: string }).msg ?? (err as Error).message, `${annotation}[${i}]`);
    }
    const out: NetworkSelectionElement = { name: el.name ?? '' };
    if (el.namespace) out.namespace = el.namespace;
    if (el.ips) out.ipRequest = el.ips.map((s) => s ?? '');
    if (el.mac) out.macRequest = el.mac;
    if (el['infiniband-guid']) out.infinibandGUIDRequest = el['infiniband-guid'];
    if (el.interface) out.interfaceRequest = el.interface;
    else if (el.interfaceRequest) out.interfaceRequest = el.interfaceRequest; // pre-3.2 key
    if (el.portMappings) out.portMappingsRequest = el.portMappings.filter((p): p is PortMapEntry => p !== null);
    if (el.bandwidth) out.bandwidthRequest = el.bandwidth;
    if (el.deviceID) out.deviceID = el.deviceID;
    if (el['cni-args']) out.cniArgs = el['cni-args'];
    if (el['default-route']) out.gatewayRequest = el['default-route'].filter((g): g is string => g !== null);
    return out;
  });
}

/** An IP request: a CIDR when it has '/', else a bare IP. */
export function validIPRequest(ip: string): boolean {
  return ip.includes('/') ? parseCIDR(ip) !== undefined : parseIP(ip) !== undefined;
}

/**
 * parsePodNetworkAnnotation: JSON when the text has any of `[`, `{` or `"`, else the comma form.
 * Names, namespaces and interface names are checked (errors name the field of `annotation`);
 * entries without a namespace get `defaultNamespace`; MACs, GUIDs and IPs are validated.
 */
export function parseNetworkAnnotation(text: string, defaultNamespace: string, annotation = NETWORKS_ANNOTATION): NetworkSelectionElement[] {
  if (text === '') throw new AnnotationError('parsePodNetworkAnnotation: pod annotation does not have "network" as key');
  const size = Buffer.byteLength(text);
  if (size > MAX_ANNOTATION_BYTES) {
    throw new AnnotationError(`parsePodNetworkAnnotation: ${annotation}: ${size} bytes, more than the ${MAX_ANNOTATION_BYTES} bytes the API server allows for all annotations of an object`, annotation);
  }
  let networks: NetworkSelectionElement[];
  if (/[[{"]/.test(text)) {
    networks = fromJson(text, annotation);
  } else {
    networks = text.split(',').map((raw, i) => {
      let parsed;
      try {
        parsed = parseNetworkObjectName(raw.trim());
      } catch (err) {
        const sub = (err as AnnotationError).field;
        const field = `${annotation}[${i}]${sub ? `.${sub}` : ''}`;
        throw new AnnotationError(`parsePodNetworkAnnotation: ${field}: ${(err as Error).message}`, field);
      }
      const el: NetworkSelectionElement = { name: parsed.name, namespace: parsed.namespace };
      if (parsed.ifname) el.interfaceRequest = parsed.ifname;
      return el;
    });
  }
  checkNames(networks, annotation);
  for (const [i, n] of networks.entries()) {
    if (!n.namespace) n.namespace = defaultNamespace;
    if (n.macRequest && !parseGoMAC(n.macRequest)) {
      throw new AnnotationError(`parsePodNetworkAnnotation: failed to mac: address ${n.macRequest}: invalid MAC address`, `${annotation}[${i}].mac`);
    }
    if (n.infinibandGUIDRequest && !parseGoMAC(n.infinibandGUIDRequest)) {
      throw new AnnotationError(`parsePodNetworkAnnotation: failed to validate infiniband GUID: address ${n.infinibandGUIDRequest}: invalid MAC address`, `${annotation}[${i}].infiniband-guid`);
    }
    for (const ip of n.ipRequest ?? []) {
      if (validIPRequest(ip)) continue;
      const field = `${annotation}[${i}].ips`;
      throw new AnnotationError(ip.includes('/') ? `failed to parse CIDR ${JSON.stringify(ip)}: invalid CIDR address: ${ip}` : `failed to parse IP address ${JSON.stringify(ip)}`, field);
    }
  }
  return networks;
}
