// One network Multus attaches (upstream types.DelegateNetConf): the config bytes a delegate
// runs with, plus what the pod's selection element asked for. Built from raw CNI JSON
// (LoadDelegateNetConf) or from a loaded conflist (LoadDelegateNetConfFromConfList).
import { decode, go, goJsonParse, goMarshal, netConfSchema, sortKeysDeep, type PluginConf } from '@cni-ts/cni';
import type { NetworkConfigList } from '@cni-ts/chain';
import * as z from 'zod';
import { lazySchema } from '@cni-ts/cni';
import type { BandwidthEntry, PortMapEntry } from './config';
import type { NetworkSelectionElement } from './annotations';

/** types.NetConfList as Go decodes it (the structured copy kept in the cache as `ConfList`). */
export interface NetConfListDecoded {
  cniVersion?: string;
  name?: string;
  disableCheck?: boolean;
  disableGC?: boolean;
  plugins?: PluginConf[];
}

export interface DelegateNetConf {
  /** types.NetConf of a single-plugin delegate ({} for lists). */
  conf: PluginConf;
  /** types.NetConfList of a list delegate ({} for single plugins). */
  confList: NetConfListDecoded;
  /** The loaded list, subfolder plugins included (libcni's CNINetworkConfigList; never cached). */
  list?: NetworkConfigList;
  /** Network name in statuses and errors: `<ns>/<nad>` for NADs, else the CNI name. */
  name: string;
  ifnameRequest?: string;
  macRequest?: string;
  infinibandGUIDRequest?: string;
  ipRequest?: string[];
  /** Not cached (as upstream: `json:"-"`). */
  portMappingsRequest?: PortMapEntry[];
  /** Not cached (as upstream: `json:"-"`). */
  bandwidthRequest?: BandwidthEntry;
  /** default-route gateways (canonical IPs); present, possibly empty, when requested. */
  gatewayRequest?: string[];
  isFilterV4Gateway: boolean;
  isFilterV6Gateway: boolean;
  masterPlugin: boolean;
  confListPlugin: boolean;
  deviceID?: string;
  resourceName?: string;
  /** What ADD and DEL execute. */
  bytes: Uint8Array;
  /**
   * Why this delegate must not run (read back from a delegate cache: it names Multus itself, or
   * a name no ADD could have used); DEL skips it and keeps the others' indices.
   */
  refused?: string;
}

/** Types that would run Multus as a delegate of itself, taking binDir, cniDir, kubeconfig, ... from the delegate's config. */
const MULTUS_TYPES = new Set(['multus', 'multus-shim']);

/**
 * Why a delegate config may not run: some object in it, at any depth (a plugin, its `ipam`, a
 * meta plugin's `delegate`), has a `type` (any case: Go matches keys case-insensitively) that
 * names Multus. Upstream runs it: a NetworkAttachmentDefinition could then choose Multus's
 * binDir (any binary runs as root), cniDir, confDir, kubeconfig, logFile and daemonSocketDir.
 */
export function refusedDelegate(config: unknown): string | undefined {
  const seen: unknown[] = [config];
  for (let i = 0; i < seen.length && i < 100_000; i++) {
    const v = seen[i];
    if (!v || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      seen.push(...v);
      continue;
    }
    for (const [k, x] of Object.entries(v)) {
      if (k.toLowerCase() === 'type' && typeof x === 'string' && MULTUS_TYPES.has(x)) {
        return `a delegate of type ${JSON.stringify(x)} is refused: a network may not run Multus itself (it would take binDir, cniDir, confDir, kubeconfig, logFile and daemonSocketDir from the network's config)`;
      }
      if (x && typeof x === 'object') seen.push(x);
    }
  }
  return undefined;
}


const utf8 = new TextEncoder();

// Built on first use: only a delegate that is a conflist is parsed with it.
const netConfListSchema = lazySchema(() =>
  go(
    z.object({
      cniVersion: z.string().optional(),
      name: z.string().optional(),
      disableCheck: z.boolean().optional(),
      disableGC: z.boolean().optional(),
      plugins: go(z.array(netConfSchema.nullable()), '[]*types.PluginConf').optional(),
    }),
    'types.NetConfList',
    { struct: 'NetConfList' },
  ),
);

/** Go's json.Unmarshal into `schema`, texts as decode words them with the path. */
function goUnmarshal<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  return decode(schema, value, { pathInMessage: true, details: false });
}

function parseObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = goJsonParse(bytes);
  } catch (err) {
    throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
  }
  if (v !== null && (typeof v !== 'object' || Array.isArray(v))) {
    throw new Error(`${what}: json: cannot unmarshal ${Array.isArray(v) ? 'array' : typeof v} into Go value of type map[string]interface {}`);
  }
  return (v ?? {}) as Record<string, unknown>;
}

/** json.Marshal of a decoded map (keys sorted at every level, compact). */
export function marshalMap(v: unknown): Uint8Array {
  return utf8.encode(goMarshal(sortKeysDeep(v)));
}

/** delegateAddDeviceID: top-level `deviceID` and `pciBusID`. */
export function addDeviceID(bytes: Uint8Array, deviceID: string): Uint8Array {
  const raw = parseObject(bytes, 'delegateAddDeviceID: failed to unmarshal inBytes');
  return marshalMap({ ...raw, deviceID, pciBusID: deviceID });
}

function plugins(raw: Record<string, unknown>, fn: string): Record<string, unknown>[] {
  if (!('plugins' in raw)) throw new Error(`${fn}: unable to get plugin list`);
  const list = raw.plugins;
  if (!Array.isArray(list)) throw new Error(`${fn}: unable to typecast plugin list`);
  return list.map((p, idx) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error(`${fn}: unable to typecast plugin #${idx}`);
    return p as Record<string, unknown>;
  });
}

/** addDeviceIDInConfList: `deviceID` and `pciBusID` in every plugin. */
export function addDeviceIDInConfList(bytes: Uint8Array, deviceID: string): Uint8Array {
  const raw = parseObject(bytes, 'addDeviceIDInConfList: failed to unmarshal inBytes');
  raw.plugins = plugins(raw, 'addDeviceIDInConfList').map((p) => ({ ...p, deviceID, pciBusID: deviceID }));
  return marshalMap(raw);
}

/** injectCNIArgs: merged into `args.cni` (the annotation's keys win). */
function injectCNIArgs(conf: Record<string, unknown>, cniArgs: Record<string, unknown>): Record<string, unknown> {
  const args = conf.args;
  if (args === undefined) return { ...conf, args: { cni: cniArgs } };
  if (!args || typeof args !== 'object' || Array.isArray(args)) throw new Error('the config\'s "args" is not an object');
  const cni = (args as Record<string, unknown>).cni;
  if (cni === undefined) return { ...conf, args: { ...args, cni: cniArgs } };
  if (!cni || typeof cni !== 'object' || Array.isArray(cni)) throw new Error('the config\'s "args.cni" is not an object');
  return { ...conf, args: { ...args, cni: { ...cni, ...cniArgs } } };
}

export function addCNIArgsInConfig(bytes: Uint8Array, cniArgs: Record<string, unknown>): Uint8Array {
  const raw = parseObject(bytes, 'addCNIArgsInConfig(): failed to unmarshal inBytes');
  return marshalMap(injectCNIArgs(raw, cniArgs));
}

export function addCNIArgsInConfList(bytes: Uint8Array, cniArgs: Record<string, unknown>): Uint8Array {
  const raw = parseObject(bytes, 'addCNIArgsInConfList(): failed to unmarshal inBytes');
  raw.plugins = plugins(raw, 'addCNIArgsInConfList()').map((p) => injectCNIArgs(p, cniArgs));
  return marshalMap(raw);
}

/** Decodes bytes as types.NetConfList (LoadDelegateNetConfList's checks). */
export function decodeConfList(bytes: Uint8Array): NetConfListDecoded {
  let list: NetConfListDecoded;
  try {
    list = goUnmarshal(netConfListSchema, parseObject(bytes, 'json')) as NetConfListDecoded;
  } catch (err) {
    throw new Error(`LoadDelegateNetConfList: error unmarshalling delegate conflist: ${(err as Error).message}`, { cause: err });
  }
  if (!list.plugins) throw new Error("LoadDelegateNetConfList: delegate must have the 'type' or 'plugin' field");
  if (!list.plugins[0]?.type) throw new Error("LoadDelegateNetConfList: a plugin delegate must have the 'type' field");
  list.plugins = list.plugins.map((p) => p ?? {});
  return list;
}

function emptyDelegate(bytes: Uint8Array): DelegateNetConf {
  return { conf: {}, confList: {}, name: '', isFilterV4Gateway: false, isFilterV6Gateway: false, masterPlugin: false, confListPlugin: false, bytes };
}

/** The selection element's requests (shared tail of both loaders). */
function applyElement(d: DelegateNetConf, el: NetworkSelectionElement | undefined, deviceID: string): void {
  if (!el) return;
  if (el.name) d.name = `${el.namespace ?? ''}/${el.name}`;
  if (el.interfaceRequest) d.ifnameRequest = el.interfaceRequest;
  if (el.macRequest) d.macRequest = el.macRequest;
  if (el.ipRequest) d.ipRequest = el.ipRequest;
  if (el.bandwidthRequest) d.bandwidthRequest = el.bandwidthRequest;
  if (el.portMappingsRequest) d.portMappingsRequest = el.portMappingsRequest;
  if (el.gatewayRequest) d.gatewayRequest = [...(d.gatewayRequest ?? []), ...el.gatewayRequest];
  if (el.infinibandGUIDRequest) d.infinibandGUIDRequest = el.infinibandGUIDRequest;
  // A deviceID from the resource map wins over one written in the annotation.
  if (el.deviceID && !deviceID) d.deviceID = el.deviceID;
}

/** LoadDelegateNetConf: raw CNI JSON (a conf, or a conflist when `type` is empty). */
export function loadDelegateNetConf(input: Uint8Array, el: NetworkSelectionElement | undefined, deviceID: string, resourceName: string): DelegateNetConf {
  let bytes = input;
  const d = emptyDelegate(bytes);
  let raw: Record<string, unknown>;
  try {
    raw = parseObject(bytes, 'json');
    d.conf = goUnmarshal(netConfSchema, raw) as PluginConf;
  } catch (err) {
    throw new Error(`LoadDelegateNetConf: error unmarshalling delegate config: ${(err as Error).message}`, { cause: err });
  }
  const refused = refusedDelegate(raw);
  if (refused) throw new Error(`LoadDelegateNetConf: ${refused}`);
  d.name = d.conf.name ?? '';
  const cniArgs = el?.cniArgs ?? undefined;
  if (!d.conf.type) {
    try {
      d.confList = decodeConfList(bytes);
    } catch (err) {
      throw new Error(`LoadDelegateNetConf: failed with: ${(err as Error).message}`, { cause: err });
    }
    d.conf = {};
    d.confListPlugin = true;
    d.name = d.confList.name ?? '';
    if (deviceID) {
      bytes = addDeviceIDInConfList(bytes, deviceID);
      d.resourceName = resourceName;
      d.deviceID = deviceID;
    }
    if (cniArgs) bytes = addCNIArgsInConfList(bytes, cniArgs);
  } else {
    if (deviceID) {
      bytes = addDeviceID(bytes, deviceID);
      d.resourceName = resourceName;
      d.deviceID = deviceID;
    }
    if (cniArgs) bytes = addCNIArgsInConfig(bytes, cniArgs);
  }
  applyElement(d, el, deviceID);
  d.bytes = bytes;
  return d;
}

/**
 * losslessConfListBytes: the list's own keys (sorted) with `plugins` rebuilt from every
 * plugin's bytes, the folder plugins included (the list's bytes alone would lose them).
 */
export function losslessConfListBytes(list: NetworkConfigList): Uint8Array {
  const raw = parseObject(list.bytes, 'losslessConfListBytes: failed to unmarshal conflist bytes');
  const out: Record<string, unknown> = {};
  raw.plugins = list.plugins.map((p) => goJsonParse(p.bytes));
  for (const k of Object.keys(raw).sort()) out[k] = raw[k];
  return utf8.encode(goMarshal(out));
}

/** LoadDelegateNetConfFromConfList: a list loaded from a file (cluster network, aux chain). */
export function loadDelegateNetConfFromConfList(list: NetworkConfigList, el?: NetworkSelectionElement): DelegateNetConf {
  const d = emptyDelegate(losslessConfListBytes(list));
  const refused = refusedDelegate(goJsonParse(d.bytes));
  if (refused) throw new Error(`LoadDelegateNetConfFromConfList: ${refused}`);
  d.name = list.name;
  d.confListPlugin = true;
  d.confList = {
    cniVersion: list.cniVersion || undefined,
    name: list.name || undefined,
    disableCheck: list.disableCheck || undefined,
    disableGC: list.disableGC || undefined,
    plugins: list.plugins.map((p) => p.network),
  };
  d.list = list;
  if (el?.cniArgs) {
    d.bytes = addCNIArgsInConfList(d.bytes, el.cniArgs);
    d.list = undefined;
  }
  applyElement(d, el, '');
  return d;
}

/** The CNI config name (libcni cache file names, error texts). */
export function netName(d: DelegateNetConf): string {
  return d.conf.name || d.confList.name || '';
}
