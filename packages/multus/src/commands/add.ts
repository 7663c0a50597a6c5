// ADD (upstream CmdAdd): resolve the pod's networks, save them to the scratch cache, attach
// each (cluster network as CNI_IFNAME, then net1, net2, ...), roll back on failure, write the
// network-status annotation, return the master's result.
import { toCurrentResult, type CniRequest, type Result, type Result100 } from '@cni-ts/cni';
import { parseGoMAC } from '../mac';
import { validIPRequest } from '../annotations';
import { saveDelegates } from '../cache';
import { netName, type DelegateNetConf } from '../delegate';
import { copyDeviceInfo, loadDeviceInfo } from '../devinfo';
import { delegateAddExec } from '../exec';
import { addDefaultGWCache, deleteDefaultGWCache } from '../gateway';
import type { KubeClient } from '@cni-ts/kube';
import { EventSink, getPod, PodNotFoundError, setNetworkStatus, unauthorizedHint, type Pod } from '../k8s/pods';
import { deleteDefaultGW, setDefaultGW, validateIfName, visibleNetns } from '../netns';
import { runtimeFor, type K8sArgs } from '../runtime';
import { createNetworkStatuses, formatNetworkStatus, type NetworkStatus } from '../status';
import { cmdErr, cmdPluginErr, errText, k8sArgs, kubeClient, readinessError, runtimeInput, setup, waitReadiness, type Call, type MultusOptions } from './common';
import { delPlugins } from './del-plugins';
import { planDelegates } from './plan';
import type { CallBudget } from '../limits';

/** DelegateAdd's checks: the name must be free in the pod; MAC=/IP= args (deprecated, still sent). Nothing is attached yet. */
export async function delegateChecks(call: Call, d: DelegateNetConf, rt: ReturnType<typeof runtimeFor>['rt']): Promise<void> {
  try {
    await validateIfName(visibleNetns(rt.netns, call.opts.hostRoot), rt.ifName);
  } catch (err) {
    throw new Error(`DelegateAdd: cannot set ${JSON.stringify(d.conf.type ?? '')} interface name to ${JSON.stringify(rt.ifName)}: ${errText(err)}`, { cause: err });
  }
  if (d.macRequest) {
    if (!parseGoMAC(d.macRequest)) throw new Error(`DelegateAdd: failed to parse mac address ${JSON.stringify(d.macRequest)}`);
    rt.args!.push(['MAC', d.macRequest]);
  }
  if (d.ipRequest) {
    const bad = d.ipRequest.find((ip) => !validIPRequest(ip));
    if (bad !== undefined) throw new Error(`DelegateAdd: failed to parse IP address ${JSON.stringify(bad)}`);
    rt.args!.push(['IP', d.ipRequest.join(',')]);
  }
}

/** DelegateAdd: the checks, then the delegate. */
async function delegateAdd(call: Call, d: DelegateNetConf, rt: ReturnType<typeof runtimeFor>['rt']): Promise<Result | undefined> {
  await delegateChecks(call, d, rt);
  return delegateAddExec(call.exec, d, rt);
}

const hasAttachments = (r: Result100 | undefined) => !!r && (r.interfaces !== undefined || r.ips !== undefined);

/** The default-route request of one delegate, applied in the pod and in its libcni cache entry. */
async function applyGateways(call: Call, d: DelegateNetConf, rt: { containerId: string; ifName: string }, k: K8sArgs): Promise<void> {
  const requested = (d.gatewayRequest?.length ?? 0) > 0;
  const del4 = d.isFilterV4Gateway || requested;
  const del6 = d.isFilterV6Gateway || requested;
  const cacheFile = { network: netName(d), containerId: rt.containerId, ifName: rt.ifName };
  if (del4 || del6) {
    try {
      await deleteDefaultGW(visibleNetns(call.req.netns, call.opts.hostRoot), rt.ifName);
    } catch (err) {
      throw cmdErr(k, `error deleting default gateway: ${errText(err)}`, err);
    }
    try {
      deleteDefaultGWCache(call.conf.cniDir, cacheFile, del4, del6);
    } catch (err) {
      throw cmdErr(k, `error deleting default gateway in cache: ${errText(err)}`, err);
    }
  }
  if (requested) {
    try {
      await setDefaultGW(visibleNetns(call.req.netns, call.opts.hostRoot), rt.ifName, d.gatewayRequest!);
    } catch (err) {
      throw cmdErr(k, `error setting default gateway: ${errText(err)}`, err);
    }
    try {
      addDefaultGWCache(call.conf.cniDir, cacheFile, d.gatewayRequest!);
    } catch (err) {
      throw cmdErr(k, `error setting default gateway in cache: ${errText(err)}`, err);
    }
  }
}

export async function cmdAdd(req: CniRequest, opts: MultusOptions): Promise<Result | undefined> {
  const call = setup(req, opts, true);
  const { conf } = call;
  let client: KubeClient | undefined;
  try {
    client = await kubeClient(call);
  } catch (err) {
    throw cmdErr(undefined, `error getting k8s client: ${errText(err)}`, err);
  }
  const k = k8sArgs(req);
  if (conf.readinessindicatorfile) {
    try {
      await waitReadiness(conf.readinessindicatorfile, opts);
    } catch (err) {
      throw readinessError(k, conf.readinessindicatorfile, err);
    }
  }
  let pod: Pod | undefined;
  if (client && k.K8S_POD_NAME) {
    try {
      pod = await getPod(client, k, false, { cache: opts.kube?.pods });
    } catch (err) {
      // Upstream reports success with a made-up 0.0.0.0/0 result and attaches nothing; the
      // runtime then believes the sandbox has networking. Fail instead: nothing to attach to.
      if (err instanceof PodNotFoundError) throw cmdErr(k, `pod ${k.K8S_POD_NAMESPACE}/${k.K8S_POD_NAME} not found: ${errText(err.cause)}`, err);
      throw cmdErr(k, `${errText(err)}${unauthorizedHint((err as Error).cause ?? err, conf.kubeconfig)}`, err);
    }
  }
  const events = new EventSink(client, opts.kube?.combineEvents);
  const budget = opts.budget?.open();
  try {
    return await attach(call, k, client, pod, events, budget);
  } finally {
    budget?.release();
    await events.flush();
  }
}

async function attach(call: Call, k: K8sArgs, client: KubeClient | undefined, pod: Pod | undefined, events: EventSink, budget: CallBudget | undefined): Promise<Result | undefined> {
  const { req, conf, log, opts } = call;
  let delegates: DelegateNetConf[];
  try {
    delegates = await planDelegates({ conf, client, pod, events, checkpointFile: opts.checkpointFile, podResourcesSocket: opts.podResourcesSocket, budget, nads: opts.kube?.nads });
  } catch (err) {
    throw cmdErr(k, errText(err), err);
  }
  try {
    saveDelegates(conf.cniDir, req.containerId, delegates);
  } catch (err) {
    throw cmdErr(k, `error saving the delegates: saveDelegates: error in saving the delegates : ${errText(err)}`, err);
  }
  const input = runtimeInput(call, k);
  const writeStatus = !!client && !!pod && !conf.systemNamespaces.includes(k.K8S_POD_NAME ?? '');
  const statuses: NetworkStatus[] = [];
  let result: Result | undefined;
  for (const [idx, d] of delegates.entries()) {
    const { rt, deviceInfoFile } = runtimeFor(d, idx, input);
    if (deviceInfoFile && d.resourceName && d.deviceID) {
      try {
        copyDeviceInfo(opts.devInfoDir, deviceInfoFile, d.resourceName, d.deviceID);
      } catch (err) {
        log.debug(`cmdAdd: failed to copy device info: ${errText(err)}`);
      }
    }
    const name = netName(d);
    let delegateResult: Result | undefined;
    try {
      // A request its runtime gave up on attaches nothing more; what it attached is rolled back.
      if (req.signal?.aborted) throw new Error(`the request was cancelled: ${String(req.signal.reason ?? 'aborted')}`);
      delegateResult = await delegateAdd(call, d, rt);
    } catch (err) {
      // Tear down what was attached, this delegate included; the scratch cache stays, so the
      // runtime's DEL retries anything the rollback could not remove.
      const rollback = await delPlugins(call, k, delegates, idx);
      if (rollback) log.error(`cmdAdd: rollback after a failed ADD: ${rollback.message}`);
      const extra = rollback ? ` (rollback: ${rollback.message})` : '';
      throw cmdPluginErr(k, name, `error adding container to network ${JSON.stringify(name)}: ${errText(err)}${extra}`, err);
    }
    if (d.masterPlugin || !result) result = delegateResult;
    let current: Result100 | undefined;
    try {
      current = delegateResult ? toCurrentResult(delegateResult) : undefined;
    } catch (err) {
      log.error(`CmdAdd: failed to read result: ${errText(err)}, but proceed`);
    }
    if (hasAttachments(current)) {
      await applyGateways(call, d, rt, k);
      const ips = (current!.ips ?? []).map((ip) => ip.address);
      events.emit(pod, 'Normal', 'AddedInterface', d.name ? `Add ${rt.ifName} [${ips.join(' ')}] from ${d.name}` : `Add ${rt.ifName} [${ips.join(' ')}]`);
    }
    if (writeStatus && delegateResult) {
      try {
        statuses.push(...createNetworkStatuses(delegateResult, d.name, d.masterPlugin, deviceInfoFile ? loadDeviceInfo(deviceInfoFile) : undefined));
      } catch (err) {
        throw cmdErr(k, `error setting network statuses: ${errText(err)}`, err);
      }
    }
  }
  if (writeStatus && statuses.length > 0) {
    try {
      await setNetworkStatus(client!, k, formatNetworkStatus(statuses), pod);
    } catch (err) {
      const text = errText(err);
      if (/pod "/.test(text) && /" not found/.test(text)) log.verbose(`warning: tolerated failure writing network status (pod not found): ${text}`);
      else throw cmdErr(k, `error setting the networks status: ${text}${unauthorizedHint((err as Error).cause, conf.kubeconfig)}`, err);
    }
  }
  return result;
}
