// DEL (upstream CmdDel), made loss-free: the scratch cache is the record of what ADD attached
// and is used without asking the API server at all. When it is missing or unreadable, the
// delegates are rebuilt from the config (and the pod, if the API server still has it), and
// every attachment the libcni result cache still holds for the container is deleted with the
// exact config it was added with. Every DEL is attempted; errors are returned, and the cache
// is kept until all DELs succeeded, so a retried DEL can finish the job.
import { goJsonParse, goMarshal, type CniRequest } from '@cni-ts/cni';
import { cacheFilePath, confListFromBytes, pluginConfFromBytes, type NetworkAttachment } from '@cni-ts/chain';
import { readScratch, removeScratch } from '../cache';
import { netName, refusedDelegate, type DelegateNetConf } from '../delegate';
import { cniConfig } from '../exec';
import type { KubeClient } from '@cni-ts/kube';
import { EventSink, getPod, type Pod } from '../k8s/pods';
import { ifnameFor, type K8sArgs } from '../runtime';
import { errText, k8sArgs, kubeClient, setup, type Call, type MultusOptions } from './common';
import { delPlugins } from './del-plugins';
import { PlanError, planDelegates } from './plan';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** InjectCNIVersionInConfList: sets cniVersion on the list bytes, every other key kept. */
export function injectCniVersion(bytes: Uint8Array, cniVersion: string): Uint8Array {
  const raw = goJsonParse(bytes) as Record<string, unknown>;
  raw.cniVersion = cniVersion;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(raw).sort()) out[k] = raw[k];
  return new TextEncoder().encode(goMarshal(out));
}

/** Delegates when the scratch cache cannot be used: from the config, and the pod if it is there. */
async function rebuild(call: Call, k: K8sArgs): Promise<{ delegates: DelegateNetConf[]; error?: Error }> {
  const { conf, log } = call;
  let client: KubeClient | undefined;
  try {
    client = await kubeClient(call);
  } catch (err) {
    log.error(`Multus: error getting k8s client: ${errText(err)}, but continue to delete`);
  }
  let pod: Pod | undefined;
  if (client && k.K8S_POD_NAME) {
    try {
      pod = await getPod(client, k, true, { cache: call.opts.kube?.pods });
    } catch (err) {
      log.error(`Multus: GetPod failed: ${errText(err)}, but continue to delete`);
    }
  }
  const budget = call.opts.budget?.open();
  try {
    return { delegates: await planDelegates({ conf, client: pod ? client : undefined, pod, events: new EventSink(undefined), checkpointFile: call.opts.checkpointFile, podResourcesSocket: call.opts.podResourcesSocket, budget, nads: call.opts.kube?.nads }) };
  } catch (err) {
    const partial = err instanceof PlanError ? err.partial : [];
    log.error(`Multus: failed to get delegates: ${errText(err)}, but continue to delete`);
    return { delegates: partial, error: err as Error };
  } finally {
    // The delegates are small once loaded; the NAD bodies were read and let go.
    budget?.release();
  }
}

/** DEL of an attachment known only from the libcni result cache, with its cached config and args. */
async function delCached(call: Call, a: NetworkAttachment): Promise<void> {
  const cni = cniConfig(call.exec);
  const rt = { containerId: a.containerId, netns: call.req.netns, ifName: a.ifName, args: a.cniArgs, capabilityArgs: a.capabilityArgs };
  const raw = goJsonParse(a.config) as Record<string, unknown> | null;
  const refused = refusedDelegate(raw);
  if (refused) {
    call.log.error(`Multus: not deleting cached attachment ${JSON.stringify(a.network)} (${a.ifName}): ${refused}`);
    return;
  }
  const isList = !!raw && (Array.isArray(raw.plugins) || !raw.type);
  try {
    if (isList) await cni.delNetworkList(confListFromBytes(a.config), rt);
    else await cni.delNetwork(pluginConfFromBytes(a.config), rt);
  } catch (err) {
    throw new Error(`DelegateDel: error deleting cached attachment ${JSON.stringify(a.network)} (${a.ifName}): ${errText(err)}`, { cause: err });
  }
}

export async function cmdDel(req: CniRequest, opts: MultusOptions): Promise<void> {
  const call = setup(req, opts, false);
  const { conf, log } = call;
  const k = k8sArgs(req);
  if (conf.readinessindicatorfile && !existsSync(path.resolve(conf.readinessindicatorfile))) {
    log.verbose(`warning: readinessindicatorfile @ ${conf.readinessindicatorfile} does not exist on CNI DEL`);
  }
  const scratch = readScratch(conf.cniDir, req.containerId);
  let delegates: DelegateNetConf[];
  let planError: Error | undefined;
  if (scratch.state === 'ok') {
    delegates = scratch.delegates;
  } else {
    if (scratch.state === 'corrupt') log.error(`Multus: failed to load netconf: ${scratch.error}`);
    ({ delegates, error: planError } = await rebuild(call, k));
  }
  for (const d of delegates) {
    if (d.confListPlugin && !d.confList.cniVersion && conf.cniVersion) {
      try {
        d.bytes = injectCniVersion(d.bytes, conf.cniVersion);
        d.confList.cniVersion = conf.cniVersion;
      } catch (err) {
        log.error(`Multus: failed to inject cniVersion into delegate ${JSON.stringify(d.name)} config: ${errText(err)}`);
      }
    }
  }
  const errors: string[] = [];
  // Attachments the result cache holds that the delegate list does not name (lost scratch
  // cache, a pod whose annotation changed): deleted with what ADD used.
  const planned = new Set(delegates.map((d, idx) => `${netName(d)}\0${ifnameFor(d, req.ifname, idx)}`));
  let cached: NetworkAttachment[] = [];
  try {
    cached = cniConfig(call.exec).getCachedAttachments(req.containerId);
  } catch (err) {
    log.error(`Multus: cannot read the result cache: ${errText(err)}`);
  }
  for (const a of cached.filter((a) => !planned.has(`${a.network}\0${a.ifName}`)).toReversed()) {
    try {
      await delCached(call, a);
    } catch (err) {
      errors.push(errText(err));
    }
  }
  // A delegate the libcni result cache does not record was never attached (its ADD failed and
  // was rolled back, or never ran: a plan that failed, a binary that does not exist): its DEL is
  // still tried, but its failure must not wedge the sandbox, since the pod's annotations (the
  // attacker's) decide what it is. Attached delegates' failures are returned and retried.
  const attached = (d: DelegateNetConf, rt: { containerId: string; ifName: string }) => {
    try {
      return existsSync(cacheFilePath(conf.cniDir, netName(d), rt));
    } catch {
      return false;
    }
  };
  const delErr = delegates.length ? await delPlugins(call, k, delegates, delegates.length - 1, (d, rt) => !attached(d, rt)) : undefined;
  if (delErr) errors.push(delErr.message.replace(/^errors: /, ''));
  // Nothing recorded and nothing resolvable: most likely nothing was ever attached. Failing
  // would wedge the sandbox (upstream PR #586), so this only logs.
  if (delegates.length === 0 && cached.length === 0 && planError) log.error(`Multus: nothing to delete: ${errText(planError)}`);
  const err = errors.length ? new Error(`errors: ${errors.join(' / ')}`) : undefined;
  if (scratch.state !== 'missing' && (!err || /no such file or directory/.test(err.message))) removeScratch(conf.cniDir, req.containerId);
  if (err) throw err;
}
