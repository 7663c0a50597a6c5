// Reading libcni cache entries: the cniCacheV1 format any libcni runtime (podman, containerd,
// CRI-O, cnitool) writes, and the legacy format (the bare result).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { convertResult, createResultFromBytes, decode, goJsonParse, goMarshal, lazySchema, type Result } from '@cni-ts/cni';
import * as z from 'zod';
import { byteOrder } from '../conf/files';
import type { NetworkAttachment, RuntimeConf } from '../types';
import { CACHE_KIND, cacheFilePath, invalidAttachmentNames, resultsDir } from './path';

/** Go's []byte: standard base64 in a JSON string (null = none). */
const goBytes = z.string().transform((s, ctx) => {
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(s)) {
    ctx.issues.push({ code: 'custom', message: 'illegal base64 data', input: s });
    return z.NEVER;
  }
  return new Uint8Array(Buffer.from(s, 'base64'));
});

/** libcni's cachedInfo as encoding/json decodes it (keys case-insensitive, unknown keys ignored). */
// Built on first use: ADD never reads the cache.
const cachedInfoSchema = lazySchema(() => z.object({
  kind: z.string().optional(),
  containerId: z.string().optional(),
  config: goBytes.optional(),
  ifName: z.string().optional(),
  networkName: z.string().optional(),
  netns: z.string().optional(),
  cniArgs: z.array(z.tuple([z.string(), z.string()])).optional(),
  capabilityArgs: z.record(z.string(), z.unknown()).optional(),
  result: z.record(z.string(), z.unknown()).optional(),
}));

export type CachedInfo = z.output<typeof cachedInfoSchema>;

/** Decodes a cache file; undefined when it is not valid JSON of cachedInfo's shape. */
export function decodeCachedInfo(bytes: Uint8Array): CachedInfo | undefined {
  let v: unknown;
  try {
    v = goJsonParse(bytes);
  } catch {
    return undefined;
  }
  if (v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) return undefined;
  try {
    return decode(cachedInfoSchema, v);
  } catch {
    return undefined;
  }
}

function readOrUndefined(file: string): Uint8Array | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function asVersion(result: Result, cniVersion: string): Result {
  try {
    return convertResult(result, cniVersion);
  } catch (err) {
    throw new Error(`failed to convert cached result to config version ${JSON.stringify(cniVersion)}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * libcni getCachedResult: the cached result converted to `cniVersion`; undefined when there is
 * no (readable) file. A file that is not cniCacheV1 is read as a legacy bare result. Throws on
 * a result that does not parse or convert (DEL then drops the entry and goes on without it).
 */
export function readCachedResult(cacheDir: string, network: string, cniVersion: string, rt: RuntimeConf): Result | undefined {
  const file = cacheFilePath(cacheDir, network, rt);
  const data = readOrUndefined(file);
  if (!data) return undefined;
  const info = decodeCachedInfo(data);
  const bytes = info && info.kind === CACHE_KIND ? goMarshal(info.result ?? null) : data;
  return asVersion(createResultFromBytes(bytes), cniVersion);
}

/**
 * libcni getCachedConfig: the list bytes stored at ADD and the RuntimeConf with the cached
 * CNI_ARGS (when any) and capability arguments; undefined when nothing is cached.
 */
export function readCachedConfig(cacheDir: string, network: string, rt: RuntimeConf): { config: Uint8Array; rt: RuntimeConf } | undefined {
  const file = cacheFilePath(cacheDir, network, rt);
  const data = readOrUndefined(file);
  if (!data) return undefined;
  const info = decodeCachedInfo(data);
  if (!info) throw new Error(`failed to unmarshal cached network ${JSON.stringify(network)} config: invalid cache file ${file}`);
  if (info.kind !== CACHE_KIND) throw new Error(`read cached network ${JSON.stringify(network)} config has wrong kind: ${info.kind ?? ''}`);
  const out: RuntimeConf = { ...rt, capabilityArgs: info.capabilityArgs };
  if (info.cniArgs) out.args = info.cniArgs;
  return { config: info.config ?? new Uint8Array(), rt: out };
}

/**
 * libcni GetCachedAttachments: every valid cniCacheV1 entry (sorted by file name), only those
 * of `containerId` when given. Unreadable, invalid or legacy files are skipped, as are our
 * own temporary files (dot files) and entries whose container id, network or interface name
 * the skeleton would refuse (no ADD made them). A missing directory gives [].
 */
export function cachedAttachments(cacheDir: string, containerId = ''): NetworkAttachment[] {
  const dir = resultsDir(cacheDir);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: NetworkAttachment[] = [];
  for (const name of names.toSorted(byteOrder)) {
    if (name.startsWith('.')) continue;
    if (containerId) {
      const part = `-${containerId}-`;
      const pos = name.indexOf(part);
      if (pos <= 0 || pos + part.length >= name.length) continue;
    }
    const data = readOrUndefined(path.join(dir, name));
    const info = data && decodeCachedInfo(data);
    if (!info || info.kind !== CACHE_KIND) continue;
    if (containerId && info.containerId !== containerId) continue;
    if (!info.ifName || !info.networkName) continue;
    // A file's names are data: only an attachment our own ADD could have made is one.
    if (invalidAttachmentNames(info.networkName, { containerId: info.containerId ?? '', ifName: info.ifName })) continue;
    out.push({
      containerId: info.containerId ?? '',
      network: info.networkName,
      ifName: info.ifName,
      config: info.config ?? new Uint8Array(),
      netns: info.netns ?? '',
      cniArgs: info.cniArgs,
      capabilityArgs: info.capabilityArgs,
    });
  }
  return out;
}
