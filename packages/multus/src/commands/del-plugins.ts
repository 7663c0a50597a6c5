// delPlugins: DEL of delegates lastIdx..0 in reverse order; every delegate is tried, errors are
// collected (`errors: e1 / e2`), device-info files are removed.
import type { DelegateNetConf } from '../delegate';
import { cleanDeviceInfo } from '../devinfo';
import { delegateDelExec } from '../exec';
import { runtimeFor, type K8sArgs } from '../runtime';
import { errText, runtimeInput, type Call } from './common';

export async function delPlugins(call: Call, k: K8sArgs, delegates: readonly DelegateNetConf[], lastIdx: number): Promise<Error | undefined> {
  const errors: string[] = [];
  const input = runtimeInput(call, k);
  for (let idx = lastIdx; idx >= 0; idx--) {
    const d = delegates[idx]!;
    const { rt, deviceInfoFile } = runtimeFor(d, idx, input);
    try {
      await delegateDelExec(call.exec, d, rt);
    } catch (err) {
      errors.push(errText(err));
    }
    if (deviceInfoFile) cleanDeviceInfo(deviceInfoFile);
  }
  return errors.length ? new Error(`errors: ${errors.join(' / ')}`) : undefined;
}
