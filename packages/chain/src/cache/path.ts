// Where libcni keeps the result of an ADD: <cacheDir>/results/<network>-<containerID>-<ifname>.
import path from 'node:path';
import type { RuntimeConf } from '../types';

/** libcni's CacheDir default. */
export const DEFAULT_CACHE_DIR = '/var/lib/cni';
export const CACHE_KIND = 'cniCacheV1';

export function resultsDir(cacheDir: string): string {
  return path.join(cacheDir, 'results');
}

/** All three parts are required (libcni's text otherwise). */
export function cacheFilePath(cacheDir: string, network: string, rt: Pick<RuntimeConf, 'containerId' | 'ifName'>): string {
  if (network === '' || rt.containerId === '' || rt.ifName === '') {
    throw new Error(
      `cache file path requires network name (${JSON.stringify(network)}), container ID (${JSON.stringify(rt.containerId)}), and interface name (${JSON.stringify(rt.ifName)})`,
    );
  }
  return path.join(resultsDir(cacheDir), `${network}-${rt.containerId}-${rt.ifName}`);
}
