// Which secondary network a Service lives on (its service-network annotation) and which
// addresses a pod has there (the network-status annotation Multus writes). Both annotations are
// untrusted input: a value that does not parse selects nothing, and the caller says why.
import { canonicalIP, isIPv4, parseIP } from '@cni-ts/cni';
import { NETWORK_STATUS_ANNOTATION, SERVICE_NETWORK_ANNOTATION } from './constants';
import type { Pod, Service } from './kube-types';

/** A NetworkAttachmentDefinition reference; `key` is `namespace/name`, as network-status names it. */
export interface NetworkRef {
  namespace: string;
  name: string;
  key: string;
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const isLabel = (s: string) => s.length <= 63 && DNS_LABEL.test(s);
const isSubdomain = (s: string) => s.length <= 253 && s.split('.').every((p) => p !== '' && isLabel(p));

/**
 * The Service's `k8s.v1.cni.cncf.io/service-network`: `<nad>` (in the Service's namespace, spaces
 * dropped, as upstream) or `<namespace>/<nad>`. Returns an error text for a value that is not
 * a valid reference.
 */
export function serviceNetwork(svc: Service): NetworkRef | { error: string } | undefined {
  const raw = svc.metadata.annotations?.[SERVICE_NETWORK_ANNOTATION];
  if (raw === undefined) return undefined;
  const text = raw.replaceAll(' ', '');
  const parts = text.split('/');
  const [namespace, name] = parts.length === 1 ? [svc.metadata.namespace ?? '', parts[0]!] : parts.length === 2 ? [parts[0]!, parts[1]!] : ['', ''];
  if (!isLabel(namespace) || !isSubdomain(name)) {
    return { error: `invalid ${SERVICE_NETWORK_ANNOTATION} annotation ${JSON.stringify(raw)}: want <[namespace/]name> of a NetworkAttachmentDefinition` };
  }
  return { namespace, name, key: `${namespace}/${name}` };
}

/** One entry of the network-status annotation: what we use of it. */
export interface Attachment {
  /** `namespace/nad` (or the cluster network's name). */
  name: string;
  /** The interface in the pod (`net1`); may be absent in hand-written statuses. */
  interface?: string;
  /** Canonical addresses, no prefix length. */
  ips: string[];
}

/** The pod's network-status entries; [] when the annotation is missing or does not parse. */
export function networkStatus(pod: Pod): Attachment[] {
  const raw = pod.metadata.annotations?.[NETWORK_STATUS_ANNOTATION];
  if (!raw) return [];
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  const out: Attachment[] = [];
  for (const e of list) {
    if (!e || typeof e !== 'object') continue;
    const { name, interface: ifname, ips } = e as Record<string, unknown>;
    if (typeof name !== 'string' || !name) continue;
    const addrs = Array.isArray(ips) ? ips.flatMap((ip) => (typeof ip === 'string' ? (canonicalIP(ip) ?? []) : [])) : [];
    out.push({ name, interface: typeof ifname === 'string' && ifname ? ifname : undefined, ips: addrs });
  }
  return out;
}

/** The pod's attachments to `network` (normally one). */
export const attachmentsTo = (pod: Pod, network: NetworkRef): Attachment[] => networkStatus(pod).filter((a) => a.name === network.key);

export type Family = 4 | 6;
export const familyOf = (ip: string): Family => (isIPv4(parseIP(ip)!) ? 4 : 6);
