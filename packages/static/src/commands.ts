import { foldEq, loadArgs, parsePrevResult, toCurrentResult } from '@cni-ts/cni';
import { ConfigError, loadStaticConfig, type StaticConfig } from './config';
import { buildResult, checkAgainst, type StaticResult } from './result';

/** What a static command needs from the skeleton's request. */
export interface StaticRequest {
  ifname: string;
  /** CNI_ARGS as given. */
  args: string;
  /** The network configuration from stdin, parsed JSON. */
  config: unknown;
}

/** Loads the config with CNI_ARGS `IP`/`GATEWAY` (Go UnmarshallableString; `IgnoreUnknown` honoured). */
export function loadRequest(req: StaticRequest): StaticConfig {
  const env = req.args === '' ? {} : loadArgsTyped(req.args);
  return loadStaticConfig(req.config, env);
}

function loadArgsTyped(raw: string): { IP?: string; GATEWAY?: string } {
  try {
    const a = loadArgs(raw, { IP: 'string', GATEWAY: 'string' });
    return { IP: a.IP, GATEWAY: a.GATEWAY };
  } catch (err) {
    throw new ConfigError((err as Error).message, 'CNI_ARGS');
  }
}

/** ADD: the configured addresses, routes and dns (the skeleton converts to the config's version). */
export function cmdAdd(req: StaticRequest): StaticResult {
  return buildResult(loadRequest(req));
}

/**
 * CHECK: needs prevResult; every configured address present there must carry the configured
 * gateway.
 */
export function cmdCheck(req: StaticRequest & { cniVersion: string }): void {
  const conf = loadRequest(req);
  const cfg = (req.config ?? {}) as Record<string, unknown>;
  let prev: unknown;
  for (const [k, v] of Object.entries(cfg)) if (foldEq(k, 'prevResult') && v !== null) prev = v;
  if (prev === undefined) throw new Error('Required prevResult missing');
  const parsed = parsePrevResult(prev, req.cniVersion);
  if (!parsed) throw new Error('Required prevResult missing');
  const current = toCurrentResult(parsed);
  checkAgainst(conf, current.ips ?? [], req.ifname);
}
