// The Multus configuration (upstream pkg/types NetConf + LoadNetConf): Go's decoding rules over
// the defaults, then the checks and the delegates of the 2017 `delegates` form.
import * as z from 'zod';
import { createResult, decode, ErrCode, go, goJsonParse, goMarshal, goMap, goStruct, netConf, sortKeysDeep, toJsonSchema } from '@cni-ts/cni';
import { loadDelegateNetConf, type DelegateNetConf } from './delegate';

export const portMapEntrySchema = goStruct('types.PortMapEntry', 'PortMapEntry', {
  hostPort: z.number().int(),
  containerPort: z.number().int(),
  protocol: z.string().optional(),
  hostIP: z.string().optional(),
});

export const bandwidthEntrySchema = goStruct('types.BandwidthEntry', 'BandwidthEntry', {
  ingressRate: z.number().int().optional(),
  ingressBurst: z.number().int().optional(),
  egressRate: z.number().int().optional(),
  egressBurst: z.number().int().optional(),
});

/** The runtimeConfig keys Multus reads; every other key the runtime sends is dropped (as upstream). */
export const runtimeConfigSchema = goStruct('types.RuntimeConfig', 'RuntimeConfig', {
  portMappings: go(z.array(portMapEntrySchema.nullable()), '[]*types.PortMapEntry').optional(),
  bandwidth: bandwidthEntrySchema.optional(),
  ips: z.array(z.string()).optional(),
  mac: z.string().optional(),
  infinibandGUID: z.string().optional(),
  deviceID: z.string().optional(),
  CNIDeviceInfoFile: z.string().optional(),
});

export const logOptionsSchema = goStruct('logging.LogOptions', 'LogOptions', {
  maxAge: z.number().int().optional(),
  maxSize: z.number().int().optional(),
  maxBackups: z.number().int().optional(),
  compress: z.boolean().optional(),
});

export const netConfSchema = netConf('NetConf', {
  confDir: z.string().default('/etc/cni/multus/net.d').describe('configs of NADs with an empty spec and of clusterNetwork names'),
  cniDir: z.string().default('/var/lib/cni/multus').describe('delegate cache and the libcni result cache (<cniDir>/results)'),
  binDir: z.string().default('/opt/cni/bin').describe('searched before the CNI_PATH directories'),
  delegates: z.array(goMap().nullable())
    .optional()
    .describe('default-network configs inline; delegates[0] is the master plugin (ignored with clusterNetwork)'),
  clusterNetwork: z.string().default('').describe('the default network: a NAD name, a CNI network name, a directory or a file'),
  defaultNetworks: z.array(z.string()).optional().describe('networks added to every pod outside systemNamespaces (with clusterNetwork)'),
  kubeconfig: z.string().default('').describe('kubeconfig path; empty uses the in-cluster config when KUBERNETES_SERVICE_HOST/PORT are set'),
  logFile: z.string().default(''),
  logLevel: z.string().default('').describe('panic (default), error, verbose or debug'),
  logToStderr: z.boolean().default(true),
  logOptions: logOptionsSchema.optional().describe('rotation of logFile (lumberjack: maxSize MiB, maxAge days, maxBackups, compress; defaults 100, 5, 5, true)'),
  runtimeConfig: runtimeConfigSchema.optional(),
  readinessindicatorfile: z.string().default('').describe('wait up to 45 s for this file before ADD, STATUS and GC'),
  namespaceIsolation: z.boolean().default(false).describe('pods may use NADs of their own namespace and of globalNamespaces only'),
  globalNamespaces: z.string().default('').describe('comma list; replaces the default "default"'),
  auxiliaryCNIChainName: z.string().default('').describe('an extra chain {passthru + <dir(clusterNetwork)>/<name>/*.conf}'),
  systemNamespaces: z.array(z.string()).default(['kube-system']),
  multusNamespace: z.string().default('kube-system').describe('namespace of clusterNetwork/defaultNetworks NADs and of the default-network annotation'),
  retryDeleteOnError: z.boolean().default(false).describe('keep the delegate cache when a delegate DEL fails'),
}).describe('Multus: a meta plugin attaching the cluster network and the networks of the pod annotations');

export type RawNetConf = z.output<typeof netConfSchema>;
export type RuntimeConfig = z.output<typeof runtimeConfigSchema>;
export type PortMapEntry = z.output<typeof portMapEntrySchema>;
export type BandwidthEntry = z.output<typeof bandwidthEntrySchema>;

/** The loaded configuration: the decoded NetConf plus the derived fields of LoadNetConf. */
export interface NetConf extends RawNetConf {
  /** globalNamespaces split and trimmed, or ["default"]. */
  nonIsolatedNamespaces: string[];
  /** Delegates of the `delegates` form (empty with clusterNetwork; filled by resolution). */
  delegateList: DelegateNetConf[];
  /** The stdin bytes. */
  raw: Uint8Array;
}

/** JSON Schema (draft 2020-12) of the config as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(netConfSchema);
}

/** An error Go's LoadNetConf returns: untyped (code 999 at the skeleton), text as upstream. */
export class LoadNetConfError extends Error {
  readonly code = ErrCode.internal;
  readonly field: string;
  constructor(message: string, field = '') {
    super(message);
    this.field = field;
    this.name = 'LoadNetConfError';
  }
}

export interface LoadNetConfOptions {
  /**
   * Require `delegates` or `clusterNetwork` (default true). The thick daemon's /delegate runs
   * one posted network under its own configuration, which names neither (upstream decodes it
   * over GetDefaultNetConf without LoadNetConf's checks).
   */
  requireNetworks?: boolean;
}

/** LoadNetConf: defaults, stdin over them, the checks, the inline delegates. */
export function loadNetConf(bytes: Uint8Array, opts: LoadNetConfOptions = {}): NetConf {
  let value: unknown;
  try {
    value = goJsonParse(bytes);
  } catch (err) {
    throw new LoadNetConfError(`LoadNetConf: failed to load netconf: ${(err as Error).message}`);
  }
  let conf: RawNetConf;
  try {
    conf = decode(netConfSchema, value ?? {}, { prefix: 'LoadNetConf: failed to load netconf', pathInMessage: true });
  } catch (err) {
    throw new LoadNetConfError((err as { msg: string }).msg, (err as { field?: string }).field);
  }
  if (conf.prevResult) {
    // Parsed and then never used upstream; only a broken one matters (it fails the load).
    checkPrevResult(conf.prevResult, conf.cniVersion ?? '');
  }
  const delegatesRaw = conf.delegates ?? [];
  if (delegatesRaw.length === 0 && conf.clusterNetwork === '' && opts.requireNetworks !== false) {
    throw new LoadNetConfError('LoadNetConf: at least one delegate/clusterNetwork must be specified', 'delegates');
  }
  const nonIsolatedNamespaces = conf.globalNamespaces !== '' ? conf.globalNamespaces.split(',').map((s) => s.trim()) : ['default'];
  const delegateList: DelegateNetConf[] = [];
  if (conf.clusterNetwork === '') {
    delegatesRaw.forEach((d, idx) => {
      try {
        delegateList.push(loadDelegateNetConf(goMarshalMap(d), undefined, '', ''));
      } catch (err) {
        throw new LoadNetConfError(`LoadNetConf: failed to load delegate ${idx} config: ${(err as Error).message}`, `delegates[${idx}]`);
      }
    });
    // The 2017 form marked the master with `"masterplugin": true` wherever it stood; v4 ignores
    // the key and takes delegates[0]. A marked delegate is moved to the front, so it is the
    // master (CNI_IFNAME, its result returned) and the delegate cache keeps v4's meaning.
    const marked = delegatesRaw.findIndex((d) => d?.masterplugin === true);
    if (marked > 0) delegateList.unshift(...delegateList.splice(marked, 1));
    if (delegateList[0]) delegateList[0].masterPlugin = true;
  }
  return { ...conf, nonIsolatedNamespaces, delegateList, raw: bytes };
}

/** json.Marshal of a decoded map[string]interface{}: compact, keys sorted. */
function goMarshalMap(v: unknown): Uint8Array {
  return new TextEncoder().encode(goMarshal(sortKeysDeep(v ?? null)));
}

function checkPrevResult(prev: Record<string, unknown>, cniVersion: string): void {
  try {
    createResult(cniVersion, prev);
  } catch (err) {
    throw new LoadNetConfError(`LoadNetConf: could not parse prevResult: ${(err as Error).message}`, 'prevResult');
  }
}
