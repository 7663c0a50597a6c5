// What the stand-in serves: resource definitions (built-in ones, and any a test defines or a
// CustomResourceDefinition registers), their URL paths, and the object-name rules the real API
// server enforces.

/** An OpenAPI v3 schema as a CRD carries it (structural subset). */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  additionalProperties?: JsonSchema | boolean;
  items?: JsonSchema;
  required?: string[];
  enum?: unknown[];
  format?: string;
  nullable?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  [k: string]: unknown;
}

export interface ResourceDef {
  /** "" for the core group. */
  group: string;
  version: string;
  /** The URL segment: `pods`, `ippools`. */
  plural: string;
  kind: string;
  namespaced: boolean;
  /** Subresources served besides the main resource (`status`, `approval`, ...). */
  subresources?: string[];
  /** A CRD's openAPIV3Schema: objects are validated and unknown fields pruned, as the real server does. */
  schema?: JsonSchema;
  /**
   * PUT without metadata.resourceVersion is allowed (most built-in types); custom resources
   * refuse it (`must be specified for an update`).
   */
  unconditionalUpdate?: boolean;
  /** Object names are DNS labels (namespaces) instead of DNS subdomains. */
  nameIsLabel?: boolean;
}

/** `plural` for the core group, `plural.group` otherwise: how RBAC and the Status details name a resource. */
export function resourceId(r: Pick<ResourceDef, 'group' | 'plural'>): string {
  return r.group ? `${r.plural}.${r.group}` : r.plural;
}

export function apiVersionOf(r: Pick<ResourceDef, 'group' | 'version'>): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

const core = (plural: string, kind: string, namespaced = true, extra: Partial<ResourceDef> = {}): ResourceDef => ({
  group: '',
  version: 'v1',
  plural,
  kind,
  namespaced,
  unconditionalUpdate: true,
  ...extra,
});

/** Served from the start: the core types tests meet, plus Leases, EndpointSlices, CSRs, CRDs and NADs. */
export const BUILTIN: ResourceDef[] = [
  core('namespaces', 'Namespace', false, { subresources: ['status', 'finalize'], nameIsLabel: true }),
  core('pods', 'Pod', true, { subresources: ['status', 'binding', 'eviction'] }),
  core('events', 'Event'),
  core('nodes', 'Node', false, { subresources: ['status'] }),
  core('configmaps', 'ConfigMap'),
  core('secrets', 'Secret'),
  core('services', 'Service', true, { subresources: ['status'], nameIsLabel: true }),
  core('endpoints', 'Endpoints'),
  core('serviceaccounts', 'ServiceAccount', true, { subresources: ['token'] }),
  { group: 'coordination.k8s.io', version: 'v1', plural: 'leases', kind: 'Lease', namespaced: true, unconditionalUpdate: true },
  { group: 'discovery.k8s.io', version: 'v1', plural: 'endpointslices', kind: 'EndpointSlice', namespaced: true, unconditionalUpdate: true },
  { group: 'events.k8s.io', version: 'v1', plural: 'events', kind: 'Event', namespaced: true, unconditionalUpdate: true },
  {
    group: 'certificates.k8s.io',
    version: 'v1',
    plural: 'certificatesigningrequests',
    kind: 'CertificateSigningRequest',
    namespaced: false,
    subresources: ['status', 'approval'],
    unconditionalUpdate: true,
  },
  {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    plural: 'customresourcedefinitions',
    kind: 'CustomResourceDefinition',
    namespaced: false,
    subresources: ['status'],
    unconditionalUpdate: true,
  },
  // A CRD in a real cluster (Multus installs it); served from the start because every Multus test needs it.
  { group: 'k8s.cni.cncf.io', version: 'v1', plural: 'network-attachment-definitions', kind: 'NetworkAttachmentDefinition', namespaced: true },
];

/** Short names the stub's own methods accept (the historical ones of this API). */
export const ALIASES: Record<string, string> = { nads: 'network-attachment-definitions.k8s.cni.cncf.io' };

/** The resources of one CustomResourceDefinition object (one per served version). */
export function defsFromCrd(crd: Record<string, unknown>): ResourceDef[] {
  const spec = (crd.spec ?? {}) as {
    group?: string;
    names?: { plural?: string; kind?: string };
    scope?: string;
    versions?: { name?: string; served?: boolean; schema?: { openAPIV3Schema?: JsonSchema }; subresources?: Record<string, unknown> }[];
  };
  if (!spec.group || !spec.names?.plural || !spec.names.kind) throw new Error('spec.group, spec.names.plural and spec.names.kind are required');
  return (spec.versions ?? [])
    .filter((v) => v.served !== false && v.name)
    .map((v) => ({
      group: spec.group!,
      version: v.name!,
      plural: spec.names!.plural!,
      kind: spec.names!.kind!,
      namespaced: spec.scope !== 'Cluster',
      subresources: Object.keys(v.subresources ?? {}),
      schema: v.schema?.openAPIV3Schema,
    }));
}

/** Where a request goes: the resource, its namespace and name, a subresource. */
export interface Target {
  def: ResourceDef;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Discovery documents (`/api`, `/apis`, `/api/v1`, `/apis/<g>/<v>`), or undefined. */
export function discovery(path: string, defs: ResourceDef[]): Record<string, unknown> | undefined {
  if (path === '/api') return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
  if (path === '/apis') {
    const groups = new Map<string, Set<string>>();
    for (const d of defs) if (d.group) (groups.get(d.group) ?? groups.set(d.group, new Set()).get(d.group)!).add(d.version);
    return {
      kind: 'APIGroupList',
      apiVersion: 'v1',
      groups: [...groups].map(([name, versions]) => {
        const list = [...versions].map((version) => ({ groupVersion: `${name}/${version}`, version }));
        return { name, versions: list, preferredVersion: list[0] };
      }),
    };
  }
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3]!;
  const here = defs.filter((d) => d.group === group && d.version === version);
  if (here.length === 0) return undefined;
  const verbs = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: apiVersionOf({ group, version }),
    resources: here.flatMap((d) => [
      { name: d.plural, singularName: d.kind.toLowerCase(), namespaced: d.namespaced, kind: d.kind, verbs },
      ...(d.subresources ?? []).map((s) => ({ name: `${d.plural}/${s}`, singularName: '', namespaced: d.namespaced, kind: d.kind, verbs: ['get', 'patch', 'update'] })),
    ]),
  };
}

/**
 * Parses a resource path: `/api/v1[/namespaces/<ns>]/<plural>[/<name>[/<sub>]]` and the same
 * under `/apis/<group>/<version>`. `find` looks a resource up by group, version and plural.
 * Undefined when the path names no served resource (the real server's 404 page).
 */
export function parseTarget(path: string, find: (group: string, version: string, plural: string) => ResourceDef | undefined): Target | undefined {
  const m = /^\/(?:api\/(v1)|apis\/([^/]+)\/([^/]+))\/(.+)$/.exec(path);
  if (!m) return undefined;
  const group = m[2] ?? '';
  const version = m[1] ?? m[3]!;
  const parts = m[4]!.split('/').map((p) => decodeURIComponent(p));
  if (parts.some((p) => p === '')) return undefined;
  // namespaces/<ns>/<plural>/... is a namespaced resource unless <plural> is a subresource of the namespace itself.
  if (parts[0] === 'namespaces' && parts.length >= 3) {
    const def = find(group, version, parts[2]!);
    if (def?.namespaced && parts.length <= 5) return { def, namespace: parts[1], name: parts[3], subresource: parts[4] };
  }
  const def = find(group, version, parts[0]!);
  if (!def || parts.length > 3) return undefined;
  // A namespaced resource without a namespace: only its collection across all namespaces.
  if (def.namespaced && parts.length > 1) return undefined;
  return { def, name: parts[1], subresource: parts[2] };
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The validation error of an object name, with the real server's text; undefined when valid. */
export function nameError(def: ResourceDef, name: string): string | undefined {
  if (def.nameIsLabel) {
    if (name.length > 63) return 'must be no more than 63 characters';
    if (!DNS1123_LABEL.test(name)) {
      return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    }
    return undefined;
  }
  if (name.length > 253) return 'must be no more than 253 characters';
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
  }
  return undefined;
}
