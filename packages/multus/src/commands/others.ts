// CHECK, STATUS and GC (upstream CmdCheck, CmdStatus, CmdGC): CHECK covers the delegates of
// the config only; STATUS and GC go to the cluster network only.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { isCniError, type CniRequest } from '@cni-ts/cni';
import type { GcAttachment } from '@cni-ts/chain';
import { asList, cniConfig, delegateCheckExec } from '../exec';
import type { KubeClient } from '@cni-ts/kube';
import { EventSink } from '../k8s/pods';
import { defaultNetworks } from '../k8s/resolve';
import { runtimeFor } from '../runtime';
import type { DelegateNetConf } from '../delegate';
import { cmdErr, errText, k8sArgs, kubeClient, readinessError, runtimeInput, setup, waitReadiness, type Call, type MultusOptions } from './common';

export async function cmdCheck(req: CniRequest, opts: MultusOptions): Promise<void> {
  const call = setup(req, opts, false);
  const k = k8sArgs(req);
  const input = runtimeInput(call, k);
  for (const [idx, d] of call.conf.delegateList.entries()) {
    const { rt } = runtimeFor(d, idx, input);
    await delegateCheckExec(call.exec, d, rt);
  }
}

/** The cluster network, resolved without a pod (STATUS, GC). */
async function clusterNetwork(call: Call): Promise<DelegateNetConf> {
  const { conf } = call;
  let client: KubeClient | undefined;
  try {
    client = await kubeClient(call);
  } catch (err) {
    throw cmdErr(undefined, `error getting k8s client: ${errText(err)}`, err);
  }
  if (conf.readinessindicatorfile) {
    try {
      await waitReadiness(conf.readinessindicatorfile, call.opts);
    } catch (err) {
      throw readinessError(undefined, conf.readinessindicatorfile, err);
    }
  }
  if (conf.clusterNetwork === '') return conf.delegateList[0]!;
  try {
    const [master] = await defaultNetworks({ conf, client, pod: undefined, events: new EventSink(undefined), checkpointFile: call.opts.checkpointFile, podResourcesSocket: call.opts.podResourcesSocket, nads: call.opts.kube?.nads });
    return master!;
  } catch (err) {
    throw cmdErr(undefined, `failed to get clusterNetwork: ${errText(err)}`, err);
  }
}

export async function cmdStatus(req: CniRequest, opts: MultusOptions): Promise<void> {
  const call = setup(req, opts, true);
  const d = await clusterNetwork(call);
  try {
    await cniConfig(call.exec).getStatusNetworkList(asList(d));
  } catch (err) {
    if (isCniError(err)) throw err;
    throw new Error(`error in STATUS command: ${errText(err)}`, { cause: err });
  }
}

/** gatherValidAttachmentsFromCache: every readable <cniDir>/results entry. */
export function validAttachments(cniDir: string): GcAttachment[] {
  const dir = path.join(cniDir, 'results');
  const out: GcAttachment[] = [];
  for (const name of readdirSync(dir)) {
    try {
      const c = JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as { containerId?: unknown; ifName?: unknown };
      if (typeof c.containerId === 'string' && c.containerId && typeof c.ifName === 'string' && c.ifName) out.push({ containerID: c.containerId, ifname: c.ifName });
    } catch {
      // unreadable entries are skipped, as upstream
    }
  }
  return out;
}

export async function cmdGC(req: CniRequest, opts: MultusOptions): Promise<void> {
  const call = setup(req, opts, true);
  const d = await clusterNetwork(call);
  let valid: GcAttachment[];
  try {
    valid = validAttachments(call.conf.cniDir);
  } catch (err) {
    throw new Error(`error in gather valid attachments: ${errText(err)}`, { cause: err });
  }
  try {
    await cniConfig(call.exec).gcNetworkList(asList(d), { validAttachments: valid });
  } catch (err) {
    throw new Error(`error in GC command: ${errText(err)}`, { cause: err });
  }
}
