import type { CniArgs } from '@cni-ts/cni';
import { loadStaticConfig, type StaticConfig } from './config';
import { buildResult, checkAgainst, type StaticResult } from './result';

/** What a static command needs from the skeleton's request. */
export interface StaticRequest {
  ifname: string;
  /** CNI_ARGS through Go's types.LoadArgs (the skeleton's `req.args.load`). */
  loadArgs?: CniArgs['load'];
  /** The network configuration from stdin, parsed JSON. */
  config: unknown;
}

/** Loads the config with CNI_ARGS `IP`/`GATEWAY` (Go UnmarshallableString; `IgnoreUnknown` honoured). */
export function loadRequest(req: StaticRequest): StaticConfig {
  return loadStaticConfig(req.config, req.loadArgs);
}

/** ADD: the configured addresses, routes and dns (the skeleton converts to the config's version). */
export function cmdAdd(req: StaticRequest): StaticResult {
  return buildResult(loadRequest(req));
}

/**
 * CHECK: needs prevResult; every configured address present there must carry the configured
 * gateway.
 */
export async function cmdCheck(req: StaticRequest & { cniVersion: string }): Promise<void> {
  const conf = loadRequest(req);
  // Only CHECK needs the result parsers (and their schemas).
  const { foldEq, parsePrevResult, toCurrentResult } = await import('@cni-ts/cni');
  const cfg = (req.config ?? {}) as Record<string, unknown>;
  let prev: unknown;
  for (const [k, v] of Object.entries(cfg)) if (foldEq(k, 'prevResult') && v !== null) prev = v;
  if (prev === undefined) throw new Error('Required prevResult missing');
  const parsed = parsePrevResult(prev, req.cniVersion);
  if (!parsed) throw new Error('Required prevResult missing');
  const current = toCurrentResult(parsed);
  checkAgainst(conf, current.ips ?? [], req.ifname);
}
