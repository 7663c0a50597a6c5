// Writing and removing cache entries. The bytes are libcni's (cachedInfo marshalled by Go);
// unlike libcni the file is written under a temporary name and renamed into place, so a crash
// never leaves an empty or half-written entry (libcni issues #1055, #1149).
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { goMarshal, resultToJson, sortKeysDeep, type Result } from '@cni-ts/cni';
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

/** Atomic write: temporary file (mode 0600, synced) in the same directory, then rename(2). */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  // A leading dot keeps the temporary file out of cachedAttachments().
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  try {
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data) : data;
      for (let off = 0; off < buf.length; ) off += writeSync(fd, buf, off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
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
