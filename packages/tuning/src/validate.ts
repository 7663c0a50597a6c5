// The checks ADD runs before it touches anything (upstream's order: duplicate keys, config,
// allow-list, interface name, prevResult). Unlike upstream, every sysctl key and the MAC are
// validated here too, so a bad one no longer leaves earlier sysctls written behind.
import type { CniRequest, Result } from '@cni-ts/cni';
import { checkAllowed, readAllowlist } from './allowlist';
import { checkMac, loadConf, requirePrevResult, type TuningConf } from './config';
import { duplicateSysctlKeys } from './duplicates';
import { sysctlFile } from './sysctl';

export interface TuningOptions {
  /** The sysctl allow-list; default /etc/cni/tuning/allowlist.conf (absent = no restriction). */
  allowlistFile: string;
}

export function noDuplicates(req: CniRequest): void {
  if (duplicateSysctlKeys(req.stdin).length > 0) throw new Error('duplicated sysctl keys are not allowed');
}

export function validIfname(ifname: string): void {
  if (ifname.includes('/')) throw new Error(`Interface name (${ifname}) contains an invalid character /`);
}

export interface Prepared {
  conf: TuningConf;
  prevResult: Result;
  /** [key, file, value] of every sysctl to write. */
  sysctls: [string, string, string][];
}

export function prepareAdd(req: CniRequest, opts: TuningOptions): Prepared {
  noDuplicates(req);
  const conf = loadConf(req);
  const patterns = readAllowlist(opts.allowlistFile);
  if (patterns) checkAllowed(conf.sysctl.map(([k]) => k), patterns);
  validIfname(req.ifname);
  const prevResult = requirePrevResult(conf);
  const sysctls = conf.sysctl.map(([k, v]): [string, string, string] => [k, sysctlFile(k, req.ifname), v]);
  if (conf.mac !== undefined) checkMac(conf.mac);
  return { conf, prevResult, sysctls };
}
