// Where libcni keeps the result of an ADD: <cacheDir>/results/<network>-<containerID>-<ifname>.
// The three names come from configs and the runtime, and in Multus from pod annotations and
// NetworkAttachmentDefinitions: every path is built from names that passed the skeleton's
// rules, and must resolve inside the results directory.
import path from 'node:path';
import { validateContainerId, validateInterfaceName, validateNetworkName, type CniError } from '@cni-ts/cni';
import type { RuntimeConf } from '../types';

/** libcni's CacheDir default. */
export const DEFAULT_CACHE_DIR = '/var/lib/cni';
export const CACHE_KIND = 'cniCacheV1';

export function resultsDir(cacheDir: string): string {
  return path.join(cacheDir, 'results');
}

/**
 * The names of one attachment checked with the skeleton's rules (libcni checks them at ADD
 * only; here every operation does): the CniError of the first bad one, else undefined.
 */
export function invalidAttachmentNames(network: string, rt: Pick<RuntimeConf, 'containerId' | 'ifName'>): CniError | undefined {
  return validateContainerId(rt.containerId) ?? validateNetworkName(network) ?? validateInterfaceName(rt.ifName);
}

/** All three parts are required (libcni's text otherwise), valid, and the file stays in results/. */
export function cacheFilePath(cacheDir: string, network: string, rt: Pick<RuntimeConf, 'containerId' | 'ifName'>): string {
  if (network === '' || rt.containerId === '' || rt.ifName === '') {
    throw new Error(
      `cache file path requires network name (${JSON.stringify(network)}), container ID (${JSON.stringify(rt.containerId)}), and interface name (${JSON.stringify(rt.ifName)})`,
    );
  }
  const bad = invalidAttachmentNames(network, rt);
  if (bad) throw bad;
  const dir = path.resolve(resultsDir(cacheDir));
  const file = path.resolve(dir, `${network}-${rt.containerId}-${rt.ifName}`);
  if (path.dirname(file) !== dir) throw new Error(`cache file path ${JSON.stringify(file)} leaves the cache directory ${dir}`);
  return path.join(resultsDir(cacheDir), `${network}-${rt.containerId}-${rt.ifName}`);
}
