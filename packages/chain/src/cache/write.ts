// Writing and removing cache entries. The bytes are libcni's (cachedInfo marshalled by Go);
// unlike libcni the file goes through @cni-ts/cni's writeFileAtomic (temporary dot file,
// fsync, rename, directory fsync), so a crash never leaves an empty or half-written entry
// (libcni issues #1055, #1149).
import { unlinkSync } from 'node:fs';
import { goMarshal, resultToJson, sortKeysDeep, writeFileAtomic, type Result } from '@cni-ts/cni';
import type { RuntimeConf } from '../types';
import { CACHE_KIND, cacheFilePath } from './path';

/** The cache file's bytes, field for field as Go marshals libcni's cachedInfo. */
export function cacheBytes(result: Result | undefined, config: Uint8Array, network: string, rt: RuntimeConf): string {
  const info: Record<string, unknown> = {
    kind: CACHE_KIND,
    containerId: rt.containerId,
    config,
    ifName: rt.ifName,
    networkName: network,
  };
  if (rt.netns) info.netns = rt.netns;
  if (rt.args?.length) info.cniArgs = rt.args;
  if (rt.capabilityArgs && Object.keys(rt.capabilityArgs).length) info.capabilityArgs = sortKeysDeep(rt.capabilityArgs);
  // Go round-trips the result through a map: keys end up sorted at every level.
  const raw = result ? (sortKeysDeep(resultToJson(result)) as Record<string, unknown>) : undefined;
  if (raw && Object.keys(raw).length) info.result = raw;
  return goMarshal(info);
}

/** libcni cacheAdd. */
export function writeCache(cacheDir: string, result: Result | undefined, config: Uint8Array, network: string, rt: RuntimeConf): void {
  const file = cacheFilePath(cacheDir, network, rt);
  writeFileAtomic(file, cacheBytes(result, config, network, rt));
}

/** libcni cacheDel: errors (a missing file, an incomplete RuntimeConf) are ignored. */
export function deleteCache(cacheDir: string, network: string, rt: RuntimeConf): void {
  try {
    unlinkSync(cacheFilePath(cacheDir, network, rt));
  } catch {
    // nothing cached, or nothing to name it by
  }
}
