// Opening the container namespace with upstream's error text, and the DEL-time test for
// "the namespace is already gone".
import { NetnsNotExistError, openNetns, withNetns, type Netns } from '@cni-ts/netlink';
import { errText } from './errors';
import { withRollback, type Rollback } from './rollback';

/** ns.GetNS with the plugins' wrapping: `failed to open netns "<path>": <err>`. */
export function openContainerNetns(path: string): Netns {
  try {
    return openNetns(path);
  } catch (err) {
    throw new Error(`failed to open netns ${JSON.stringify(path)}: ${errText(err)}`, { cause: err });
  }
}

/** True when `err` (or its cause) says the namespace path does not exist (Go's NSPathNotExistErr). */
export function isNetnsGone(err: unknown): boolean {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e instanceof NetnsNotExistError) return true;
  }
  return false;
}

/**
 * Runs `fn` where the master link lives: in the container namespace at `netns` when the config
 * says linkInContainer, else right here.
 */
export function inMasterNetns<T>(n: { linkInContainer?: boolean | undefined }, netns: string, fn: () => T): T {
  if (!n.linkInContainer) return fn();
  const ns = openContainerNetns(netns);
  try {
    return withNetns(ns, fn);
  } finally {
    ns.close();
  }
}

/**
 * The frame of a main plugin's ADD: the container namespace opened (Go's wrapping of a failure),
 * `fn` run with a rollback stack that is unwound when it throws (every failure logged), the
 * namespace closed whatever happens.
 */
export async function withContainer<T>(req: { netns: string; log: (m: string) => void }, fn: (netns: Netns, rb: Rollback) => Promise<T>): Promise<T> {
  const netns = openContainerNetns(req.netns);
  try {
    return await withRollback((rb) => fn(netns, rb), req.log);
  } finally {
    netns.close();
  }
}
