// loadConf: the decoded config, its prevResult (chaining), and the master: configured, the
// single interface of prevResult, or the interface of the first default route.
import type { CniRequest, Result100 } from '@cni-ts/cni';
import { defaultRouteInterface, errText, inMasterNetns, prevResultOf } from '@cni-ts/plugin-kit';
import { decodeNetConf, type NetConf } from './config';

export type LoadedConf = NetConf & { master: string; prev?: Result100 };

export { inMasterNetns } from '@cni-ts/plugin-kit';

function parsePrev(n: NetConf, cniVersion: string): Result100 | undefined {
  if (n.prevResult === undefined) return undefined;
  try {
    return prevResultOf(n.prevResult, cniVersion);
  } catch (err) {
    // prevResultOf already says "could not parse prevResult: ..." for decoding failures.
    const text = errText(err);
    throw new Error(text.startsWith('could not parse prevResult') ? text : `could not convert result to current version: ${text}`, { cause: err });
  }
}

/**
 * For CHECK (`check`), prevResult is this attachment's own result, not a chained master's: an
 * empty master is then the default-route interface when there is one, else "" (not checked).
 */
export function loadConf(req: CniRequest, { check = false }: { check?: boolean } = {}): LoadedConf {
  const n = decodeNetConf(req.config);
  const prev = parsePrev(n, req.cniVersion);
  let master = n.master ?? '';
  if (master === '' && check) {
    try {
      master = inMasterNetns(n, req.netns, () => defaultRouteInterface());
    } catch {
      master = '';
    }
  } else if (master === '') {
    if (prev === undefined) {
      master = inMasterNetns(n, req.netns, () => defaultRouteInterface());
    } else {
      const ifs = prev.interfaces ?? [];
      if (ifs.length !== 1 || !ifs[0]!.name) throw new Error('chained master failure. PrevResult lacks a single named interface');
      master = ifs[0]!.name;
    }
  }
  return { ...n, master, ...(prev && { prev }) };
}
