// Which networks a pod gets (upstream k8sclient): the cluster network and defaultNetworks, the
// pod's default-network override, and the NADs of its networks annotation, each turned into a
// delegate.
import { statSync } from 'node:fs';
import { confFiles, confFromFile } from '@cni-ts/chain';
import { validateNetworkName } from '@cni-ts/cni';
import { AnnotationError, DEFAULT_NETWORK_ANNOTATION, invalidNadName, invalidNamespace, NETWORKS_ANNOTATION, parseNetworkAnnotation, RESOURCE_NAME_ANNOTATION, type NetworkSelectionElement } from '../annotations';
import type { NetConf } from '../config';
import { cniConfigFromFile, cniConfigFromSpec, loadChainedPluginsFromFile } from '../confdir';
import { loadDelegateNetConf, loadDelegateNetConfFromConfList, netName, type DelegateNetConf } from '../delegate';
import { podResourceMap, takeDevice, type ResourceMap } from '../resources';
import type { KubeClient, KubeObject } from '@cni-ts/kube';
import type { EventSink, Pod } from './pods';
import { TOO_LARGE, type ObjectCache } from './source';
import { SizeLimitError, type CallBudget } from '../limits';

export interface ResolveContext {
  conf: NetConf;
  client: KubeClient | undefined;
  pod: Pod | undefined;
  events: EventSink;
  checkpointFile: string;
  /** The kubelet's pod-resources socket, asked first when it exists. */
  podResourcesSocket: string;
  /** Built on first use, once per call. */
  resourceMap?: ResourceMap;
  /** Counts annotations and NAD bodies (ADD, and DEL's rebuild). */
  budget?: CallBudget;
  /** The daemon's watch cache of NADs (a miss is read live). */
  nads?: ObjectCache;
}

/** The NAD from the watch cache (its config counted against the budget), unless it is not there or too large to keep. */
function cachedNad(ctx: ResolveContext, ns: string, name: string): KubeObject | undefined {
  const nad = ctx.nads?.synced ? ctx.nads.get(ns, name) : undefined;
  if (!nad || nad.metadata?.annotations?.[TOO_LARGE] !== undefined) return undefined;
  const config = (nad.spec as { config?: unknown } | undefined)?.config;
  ctx.budget?.charge(typeof config === 'string' ? Buffer.byteLength(config) : 0, `network-attachment-definition ${ns}/${name}`);
  return nad;
}

const enc = encodeURIComponent;

/**
 * The NAD's URL. Only for valid names: `""`, `.` and `..` survive encodeURIComponent and the
 * URL's dot segments would turn the GET into another request (a LIST).
 */
export function nadPath(ns: string, name: string): string {
  const bad = invalidNamespace(ns) ?? invalidNadName(name);
  if (bad) throw new Error(bad);
  return `/apis/k8s.cni.cncf.io/v1/namespaces/${enc(ns)}/network-attachment-definitions/${enc(name)}`;
}

/** GetCNIConfig: spec.config, or (empty spec) the config named like the NAD in confDir. */
export function nadConfig(nad: KubeObject, confDir: string): Uint8Array {
  const name = nad.metadata?.name ?? '';
  const spec = (nad.spec ?? {}) as { config?: unknown };
  const config = typeof spec.config === 'string' ? spec.config : '';
  if (config === '') {
    try {
      return cniConfigFromFile(name, confDir);
    } catch (err) {
      throw new Error(`GetCNIConfig: err in GetCNIConfigFromFile: ${(err as Error).message}`, { cause: err });
    }
  }
  try {
    return cniConfigFromSpec(config, name);
  } catch (err) {
    throw new Error(`GetCNIConfig: err in getCNIConfigFromSpec: ${(err as Error).message}`, { cause: err });
  }
}

/** getKubernetesDelegate: GET the NAD, pick its device (resourceName), load its config. */
export async function kubernetesDelegate(ctx: ResolveContext, el: NetworkSelectionElement): Promise<DelegateNetConf> {
  const ns = el.namespace ?? '';
  let nad: KubeObject;
  try {
    const path = nadPath(ns, el.name);
    if (!ctx.client) throw new Error('no Kubernetes client (no kubeconfig and not in a cluster)');
    const budget = ctx.budget;
    nad = cachedNad(ctx, ns, el.name) ?? (await ctx.client.request('GET', path, undefined, budget ? { onData: (n) => budget.charge(n, `network-attachment-definition ${ns}/${el.name}`) } : {}));
  } catch (err) {
    if (err instanceof SizeLimitError) throw err;
    const msg = `cannot find a network-attachment-definition (${el.name}) in namespace (${ns}): ${(err as Error).message}`;
    ctx.events.emit(ctx.pod, 'Warning', 'NoNetworkFound', msg);
    throw new Error(`getKubernetesDelegate: ${msg}`, { cause: err });
  }
  let deviceID = '';
  const resourceName = nad.metadata?.annotations?.[RESOURCE_NAME_ANNOTATION];
  const pod = ctx.pod;
  if (resourceName !== undefined && pod?.metadata?.name && pod.metadata.namespace) {
    if (!ctx.resourceMap) {
      try {
        ctx.resourceMap = await podResourceMap(ctx, { name: pod.metadata.name, namespace: pod.metadata.namespace, uid: pod.metadata.uid ?? '' });
      } catch (err) {
        throw new Error(`getKubernetesDelegate: failed to get a ResourceClient instance: ${(err as Error).message}`, { cause: err });
      }
    }
    deviceID = takeDevice(ctx.resourceMap, resourceName);
  }
  const d = loadDelegateNetConf(nadConfig(nad, ctx.conf.confDir), el, deviceID, resourceName ?? '');
  // The config's name names the libcni cache file: checked here, where it enters.
  const bad = validateNetworkName(netName(d));
  if (bad) throw new Error(`getKubernetesDelegate: network-attachment-definition ${ns}/${el.name}: ${bad.message}`);
  return d;
}

/** getNetDelegate: a NAD or CNI network name, a directory, or a file. */
export async function netDelegate(ctx: ResolveContext, netname: string, namespace: string): Promise<DelegateNetConf> {
  const confDir = ctx.conf.confDir;
  if (!netname.includes('/')) {
    if (ctx.client) {
      try {
        return await kubernetesDelegate(ctx, { name: netname, namespace });
      } catch (err) {
        if (err instanceof SizeLimitError) throw err;
        // option 2: a CNI config of that name in confDir
      }
    }
    let bytes: Uint8Array | undefined;
    try {
      bytes = cniConfigFromFile(netname, confDir);
    } catch {
      bytes = undefined;
    }
    if (bytes) return loadDelegateNetConf(bytes, undefined, '', '');
    throw new Error(`getNetDelegate: cannot find network: ${netname}`);
  }
  const st = statSync(netname);
  if (st.isDirectory()) {
    if (confFiles(netname, ['.conf', '.conflist']).length > 0) {
      return loadDelegateNetConf(cniConfigFromFile('', netname), undefined, '', '');
    }
    throw new Error(`getNetDelegate: cannot find network: ${netname}`);
  }
  if (netname.endsWith('.conflist')) {
    let list;
    try {
      list = loadChainedPluginsFromFile(netname);
    } catch (err) {
      throw new Error(`error loading CNI conflist file ${netname}: ${(err as Error).message}`, { cause: err });
    }
    return loadDelegateNetConfFromConfList(list);
  }
  let conf;
  try {
    conf = confFromFile(netname);
  } catch (err) {
    const e = err as { reason?: string; message: string };
    if (/missing 'type'/.test(e.reason ?? e.message)) {
      throw new Error(`error loading CNI config file ${netname}: no 'type'; perhaps this is supposed to be a .conflist?`, { cause: err });
    }
    throw new Error(`error loading CNI config file ${netname}: ${e.reason ?? e.message}`, { cause: err });
  }
  return loadDelegateNetConf(conf.bytes, undefined, '', '');
}

const isSystemNamespace = (ns: string, conf: NetConf) => conf.systemNamespaces.includes(ns);

/**
 * GetDefaultNetworks: the cluster network (the master) and, for a pod outside
 * systemNamespaces, the defaultNetworks. Names resolve in multusNamespace.
 */
export async function defaultNetworks(ctx: ResolveContext): Promise<DelegateNetConf[]> {
  const { conf } = ctx;
  let master: DelegateNetConf;
  try {
    master = await netDelegate(ctx, conf.clusterNetwork, conf.multusNamespace);
  } catch (err) {
    throw new Error(`GetDefaultNetworks: failed to get clusterNetwork ${conf.clusterNetwork} in namespace ${conf.multusNamespace}: ${(err as Error).message}`, { cause: err });
  }
  master.masterPlugin = true;
  const out = [master];
  const podNs = ctx.pod?.metadata?.namespace;
  if (ctx.pod && podNs !== undefined && !isSystemNamespace(podNs, conf)) {
    for (const name of conf.defaultNetworks ?? []) out.push(await netDelegate(ctx, name, conf.multusNamespace));
  }
  return out;
}

/**
 * namespaceIsolation: a pod names NADs of its own namespace or of globalNamespaces only, in
 * every annotation (upstream checks the networks annotation only).
 */
export function checkIsolation(ctx: ResolveContext, el: NetworkSelectionElement, fn: string, annotation: string): void {
  const podNs = ctx.pod?.metadata?.namespace ?? '';
  if (!ctx.conf.namespaceIsolation || podNs === el.namespace || ctx.conf.nonIsolatedNamespaces.includes(el.namespace ?? '')) return;
  throw new AnnotationError(
    `${fn}: namespace isolation enabled, annotation violates permission, pod is in namespace ${podNs} but refers to target namespace ${el.namespace} (${annotation})`,
    annotation,
  );
}

/**
 * tryLoadK8sPodDefaultNetwork: the `v1.multus-cni.io/default-network` override (a NAD in
 * multusNamespace unless the entry names one), under namespaceIsolation like any annotation.
 */
export async function podDefaultNetwork(ctx: ResolveContext): Promise<DelegateNetConf | undefined> {
  const text = ctx.pod?.metadata?.annotations?.[DEFAULT_NETWORK_ANNOTATION];
  if (text === undefined) return undefined;
  ctx.budget?.charge(Buffer.byteLength(text), DEFAULT_NETWORK_ANNOTATION);
  let networks: NetworkSelectionElement[];
  try {
    networks = parseNetworkAnnotation(text, ctx.conf.multusNamespace, DEFAULT_NETWORK_ANNOTATION);
  } catch (err) {
    throw new Error(`tryLoadK8sPodDefaultNetwork: failed to parse CRD object: ${(err as Error).message}`, { cause: err });
  }
  if (networks.length > 1) throw new Error(`tryLoadK8sPodDefaultNetwork: more than one default network is specified: ${text}`);
  if (networks.length === 0) return undefined;
  checkIsolation(ctx, networks[0]!, 'tryLoadK8sPodDefaultNetwork', `${DEFAULT_NETWORK_ANNOTATION}[0]`);
  let d: DelegateNetConf;
  try {
    d = await kubernetesDelegate(ctx, networks[0]!);
  } catch (err) {
    throw new Error(`tryLoadK8sPodDefaultNetwork: failed getting the delegate: ${(err as Error).message}`, { cause: err });
  }
  d.masterPlugin = true;
  return d;
}

/** GetNetworkDelegates: the annotation's NADs in order, namespace isolation enforced. */
export async function annotationDelegates(ctx: ResolveContext, networks: NetworkSelectionElement[]): Promise<DelegateNetConf[]> {
  const out: DelegateNetConf[] = [];
  for (const [i, el] of networks.entries()) {
    checkIsolation(ctx, el, 'GetNetworkDelegates', `${NETWORKS_ANNOTATION}[${i}]`);
    try {
      out.push(await kubernetesDelegate(ctx, el));
    } catch (err) {
      throw new Error(`GetNetworkDelegates: failed getting the delegate: ${(err as Error).message}`, { cause: err });
    }
  }
  return out;
}

/** The networks annotation of the pod, parsed (undefined when absent or empty). */
export function podNetworks(pod: Pod, budget?: CallBudget): NetworkSelectionElement[] | undefined {
  const text = pod.metadata?.annotations?.[NETWORKS_ANNOTATION];
  if (!text) return undefined;
  budget?.charge(Buffer.byteLength(text), NETWORKS_ANNOTATION);
  return parseNetworkAnnotation(text, pod.metadata?.namespace ?? '');
}
