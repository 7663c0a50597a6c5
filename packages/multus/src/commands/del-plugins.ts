// delPlugins: DEL of delegates lastIdx..0 in reverse order; every delegate is tried, errors are
// collected (`errors: e1 / e2`), device-info files are removed.
import type { RuntimeConf } from '@cni-ts/chain';
import { netName, type DelegateNetConf } from '../delegate';
import { cleanDeviceInfo } from '../devinfo';
import { delegateDelExec } from '../exec';
import { runtimeFor, type K8sArgs } from '../runtime';
import { errText, runtimeInput, type Call } from './common';

/**
 * `tolerated(d, rt)`: a failing DEL of that delegate is logged, not returned (the runtime's DEL
 * uses it for delegates nothing records as attached).
 */
export async function delPlugins(
  call: Call,
  k: K8sArgs,
  delegates: readonly DelegateNetConf[],
  lastIdx: number,
  tolerated?: (d: DelegateNetConf, rt: RuntimeConf) => boolean,
): Promise<Error | undefined> {
  const errors: string[] = [];
  const input = runtimeInput(call, k);
  for (let idx = lastIdx; idx >= 0; idx--) {
    const d = delegates[idx]!;
    if (d.refused) {
      // Never attached (or not ours to run): nothing to delete, and nothing to run.
      call.log.error(`Multus: not deleting delegate ${idx} (${JSON.stringify(d.name.slice(0, 64))}): ${d.refused}`);
      continue;
    }
    const { rt, deviceInfoFile } = runtimeFor(d, idx, input);
    try {
      await delegateDelExec(call.exec, d, rt);
    } catch (err) {
      if (tolerated?.(d, rt)) call.log.error(`Multus: DEL of ${JSON.stringify(netName(d))} (${rt.ifName}) failed, but nothing records it as attached: ${errText(err)}`);
      else errors.push(errText(err));
    }
    if (deviceInfoFile) cleanDeviceInfo(deviceInfoFile);
  }
  return errors.length ? new Error(`errors: ${errors.join(' / ')}`) : undefined;
}
