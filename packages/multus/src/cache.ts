// The scratch delegate cache `<cniDir>/<containerID>`: every delegate planned at ADD, in the
// JSON upstream writes (Go field names and order, `Bytes` base64), so DEL can run without the
// API server and either implementation can read the other's file. Written atomically.
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { goJsonParse, goMarshal, netConfSchema, sortKeysDeep, validateNetworkName, writeFileAtomic, type PluginConf } from '@cni-ts/cni';
import { invalidInterfaceName } from './annotations';
import { netName, refusedDelegate, type DelegateNetConf, type NetConfListDecoded } from './delegate';

export function scratchPath(cniDir: string, containerId: string): string {
  return path.join(cniDir, containerId);
}

/** types.PluginConf's MarshalJSON: through a map (keys sorted), `ipam` always, `dns` only when set. */
function pluginConfJson(c: PluginConf): Record<string, unknown> {
  const dns = c.dns && Object.values(c.dns).some((v) => (Array.isArray(v) ? v.length : v)) ? c.dns : undefined;
  const m: Record<string, unknown> = {
    cniVersion: c.cniVersion || undefined,
    name: c.name || undefined,
    type: c.type || undefined,
    capabilities: c.capabilities && Object.keys(c.capabilities).length ? c.capabilities : undefined,
    ipam: c.ipam?.type ? { type: c.ipam.type } : {},
    dns,
    prevResult: c.prevResult && Object.keys(c.prevResult).length ? c.prevResult : undefined,
  };
  return sortKeysDeep(m) as Record<string, unknown>;
}

function confListJson(l: NetConfListDecoded): Record<string, unknown> {
  return {
    cniVersion: l.cniVersion || undefined,
    name: l.name || undefined,
    disableCheck: l.disableCheck || undefined,
    disableGC: l.disableGC || undefined,
    plugins: l.plugins?.length ? l.plugins.map(pluginConfJson) : undefined,
  };
}

/** One delegate as Go marshals DelegateNetConf. */
export function delegateJson(d: DelegateNetConf): Record<string, unknown> {
  return {
    Conf: pluginConfJson(d.conf),
    ConfList: confListJson(d.confList),
    Name: d.name,
    ifnameRequest: d.ifnameRequest || undefined,
    macRequest: d.macRequest || undefined,
    infinibandGUIDRequest: d.infinibandGUIDRequest || undefined,
    ipRequest: d.ipRequest?.length ? d.ipRequest : undefined,
    'default-route': d.gatewayRequest,
    IsFilterV4Gateway: d.isFilterV4Gateway,
    IsFilterV6Gateway: d.isFilterV6Gateway,
    deviceID: d.deviceID || undefined,
    resourceName: d.resourceName || undefined,
    Bytes: Buffer.from(d.bytes).toString('base64'),
  };
}

/** saveDelegates: dir 0700, file 0600, temp file + fsync + rename. */
export function saveDelegates(cniDir: string, containerId: string, delegates: readonly DelegateNetConf[]): void {
  writeFileAtomic(scratchPath(cniDir, containerId), goMarshal(delegates.map(delegateJson)));
}

export function removeScratch(cniDir: string, containerId: string): void {
  rmSync(scratchPath(cniDir, containerId), { force: true });
}

/** Go decodes struct fields case-insensitively: the value of `key` in any case (last wins). */
function field(obj: Record<string, unknown>, key: string): unknown {
  if (key in obj) return obj[key];
  const k = Object.keys(obj).findLast((x) => x.toLowerCase() === key.toLowerCase());
  return k === undefined ? undefined : obj[k];
}

const str = (v: unknown, what: string): string | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${what}: not a string`);
  return v;
};

const strs = (v: unknown, what: string): string[] | undefined => {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) throw new Error(`${what}: not a list of strings`);
  return v as string[];
};

function decodePluginConf(v: unknown): PluginConf {
  const r = netConfSchema.safeParse(v ?? {});
  if (!r.success) throw new Error('bad plugin config');
  return r.data as PluginConf;
}

function decodeDelegate(raw: unknown, idx: number): DelegateNetConf {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`delegate ${idx}: not an object`);
  const o = raw as Record<string, unknown>;
  const bytesText = str(field(o, 'Bytes'), 'Bytes');
  if (!bytesText || !/^[A-Za-z0-9+/]*={0,2}$/.test(bytesText)) throw new Error(`delegate ${idx}: no config bytes`);
  const bytes = new Uint8Array(Buffer.from(bytesText, 'base64'));
  const confList = (field(o, 'ConfList') ?? {}) as Record<string, unknown>;
  const plugins = field(confList, 'plugins');
  const list: NetConfListDecoded = {
    cniVersion: str(field(confList, 'cniVersion'), 'ConfList.cniVersion'),
    name: str(field(confList, 'name'), 'ConfList.name'),
    plugins: Array.isArray(plugins) ? plugins.map(decodePluginConf) : undefined,
  };
  const gw = field(o, 'default-route');
  return {
    conf: decodePluginConf(field(o, 'Conf')),
    confList: list,
    name: str(field(o, 'Name'), 'Name') ?? '',
    ifnameRequest: str(field(o, 'ifnameRequest'), 'ifnameRequest'),
    macRequest: str(field(o, 'macRequest'), 'macRequest'),
    infinibandGUIDRequest: str(field(o, 'infinibandGUIDRequest'), 'infinibandGUIDRequest'),
    ipRequest: strs(field(o, 'ipRequest'), 'ipRequest'),
    gatewayRequest: gw === undefined || gw === null ? undefined : strs(gw, 'default-route'),
    isFilterV4Gateway: field(o, 'IsFilterV4Gateway') === true,
    isFilterV6Gateway: field(o, 'IsFilterV6Gateway') === true,
    masterPlugin: idx === 0,
    confListPlugin: (list.plugins?.length ?? 0) > 0,
    deviceID: str(field(o, 'deviceID'), 'deviceID'),
    resourceName: str(field(o, 'resourceName'), 'resourceName'),
    bytes,
  };
}

/**
 * Why a delegate read back from the cache must not run at DEL. The file is written by ADD from
 * untrusted input (an older version's, or one edited on disk): a delegate naming Multus, or an
 * interface or network name no ADD could have attached (libcni refuses them at ADD), is
 * skipped, so the other delegates are still deleted and the sandbox never wedges.
 */
function cachedRefusal(d: DelegateNetConf): string | undefined {
  let raw: unknown;
  try {
    raw = goJsonParse(d.bytes);
  } catch {
    raw = undefined; // DEL reports a config that does not parse
  }
  const why = refusedDelegate(raw);
  if (why) return why;
  if (d.ifnameRequest !== undefined) {
    const bad = invalidInterfaceName(d.ifnameRequest);
    if (bad) return bad;
  }
  const name = validateNetworkName(netName(d));
  if (name) return `${name.msg}${name.details ? ` ${JSON.stringify(name.details.slice(0, 64))}` : ''}`;
  return undefined;
}

export type ScratchRead = { state: 'ok'; delegates: DelegateNetConf[] } | { state: 'missing' } | { state: 'corrupt'; error: string };

/** consumeScratchNetConf + the decode: ok, missing, or corrupt (truncated, not JSON, empty list). */
export function readScratch(cniDir: string, containerId: string): ScratchRead {
  let text: Buffer;
  try {
    text = readFileSync(scratchPath(cniDir, containerId));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'corrupt', error: (err as Error).message };
  }
  try {
    const v = goJsonParse(text);
    if (!Array.isArray(v) || v.length === 0) throw new Error('not a list of delegates');
    const delegates = v.map(decodeDelegate);
    for (const d of delegates) d.refused = cachedRefusal(d);
    return { state: 'ok', delegates };
  } catch (err) {
    return { state: 'corrupt', error: (err as Error).message };
  }
}
