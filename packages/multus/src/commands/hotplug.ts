// The thick daemon's /delegate (upstream cmdDelegateAdd/Del/Check/Status), used by the
// multus-dynamic-networks-controller to hot-plug one network into a running pod: the posted
// config is the only network, CNI_IFNAME its interface, the daemon's configuration Multus's
// (binDir, cniDir). Nothing else of the pod is planned, so its other interfaces are never
// touched; no delegate cache and no network-status are written (the controller updates the
// status itself); libcni's result cache is, as upstream, so that DEL gets its prevResult.
// ADD and DEL read the pod (a missing pod fails them, as upstream), ADD sends AddedInterface.
import { toCurrentResult, versionGte, type CniRequest, type Result } from '@cni-ts/cni';
import type { NetworkSelectionElement } from '../annotations';
import { loadDelegateNetConf, type DelegateNetConf } from '../delegate';
import { asList, cniConfig, delegateAddExec, delegateCheckExec, delegateDelExec } from '../exec';
import { EventSink, getPod, type Pod } from '../k8s/pods';
import { runtimeFor, type K8sArgs } from '../runtime';
import { delegateChecks } from './add';
import { errText, k8sArgs, kubeClient, runtimeInput, setup, type Call, type MultusOptions } from './common';

/** What /delegate's body carries besides the environment: the network's config and the pod's requests for it. */
export interface HotplugInput {
  /** The delegate's CNI config (a NAD's config with its name filled in). */
  delegate: Uint8Array;
  /** interfaceAttributes: ips, mac and cni-args of the selection element. */
  attrs?: { ips?: string[]; mac?: string; 'cni-args'?: Record<string, unknown> };
}

/** The selection element the attributes stand for (upstream copies mac, ips and cni-args only). */
function element(attrs: HotplugInput['attrs']): NetworkSelectionElement | undefined {
  if (!attrs) return undefined;
  const el: NetworkSelectionElement = { name: '' };
  if (attrs.mac) el.macRequest = attrs.mac;
  if (attrs.ips) el.ipRequest = attrs.ips;
  if (attrs['cni-args']) el.cniArgs = attrs['cni-args'];
  return el;
}

function load(input: HotplugInput, withAttrs: boolean): DelegateNetConf {
  return loadDelegateNetConf(input.delegate, withAttrs ? element(input.attrs) : undefined, '', '');
}

/** The delegate's runtime: CNI_IFNAME as asked, the daemon's own CNI_ARGS (none) after the pod's keys, no runtimeConfig. */
function runtime(call: Call, k: K8sArgs, d: DelegateNetConf) {
  d.ifnameRequest = call.req.ifname;
  return runtimeFor(d, 0, { ...runtimeInput(call, k), cniArgs: '', runtimeConfig: undefined });
}

async function pod(call: Call, k: K8sArgs): Promise<{ pod: Pod | undefined; events: EventSink }> {
  const client = await kubeClient(call);
  const p = client ? await getPod(client, k, false, { cache: call.opts.kube?.pods }) : undefined;
  return { pod: p, events: new EventSink(client) };
}

export async function cmdDelegate(req: CniRequest, input: HotplugInput, opts: MultusOptions): Promise<Result | undefined> {
  const call = setup(req, opts, false, { requireNetworks: false });
  const k = k8sArgs(req);
  const ns = k.K8S_POD_NAMESPACE ?? '';
  const name = k.K8S_POD_NAME ?? '';
  if (!ns || !name) throw new Error(`required CNI variable missing. pod name: ${name}; pod namespace: ${ns}`);
  const prefix = `error configuring pod [${ns}/${name}] networking`;
  switch (req.command) {
    case 'ADD': {
      const { pod: p, events } = await pod(call, k);
      const d = load(input, true);
      const { rt } = runtime(call, k, d);
      let result: Result | undefined;
      try {
        await delegateChecks(call, d, rt);
      } catch (err) {
        throw new Error(`${prefix}: ${errText(err)}`, { cause: err });
      }
      try {
        result = await delegateAddExec(call.exec, d, rt);
      } catch (err) {
        // Unlike upstream, what the failed ADD left is deleted, so the controller's retry finds a free name.
        const undo = await delegateDelExec(call.exec, d, rt).then(() => '', (e: unknown) => ` (rollback: ${errText(e)})`);
        throw new Error(`${prefix}: ${errText(err)}${undo}`, { cause: err });
      }
      try {
        const current = result ? toCurrentResult(result) : undefined;
        if (current && (current.interfaces !== undefined || current.ips !== undefined)) {
          const ips = (current.ips ?? []).map((ip) => ip.address);
          events.emit(p, 'Normal', 'AddedInterface', d.name ? `Add ${rt.ifName} [${ips.join(' ')}] from ${d.name}` : `Add ${rt.ifName} [${ips.join(' ')}]`);
        }
      } catch (err) {
        call.log.error(`DelegateAdd: error converting result: ${errText(err)}`);
      } finally {
        await events.flush();
      }
      return result;
    }
    case 'DEL': {
      await pod(call, k);
      const d = load(input, false);
      await delegateDelExec(call.exec, d, runtime(call, k, d).rt);
      return undefined;
    }
    case 'CHECK': {
      const d = load(input, false);
      await delegateCheckExec(call.exec, d, runtime(call, k, d).rt);
      return undefined;
    }
    case 'STATUS': {
      const d = load(input, false);
      const list = asList(d);
      // confStatus/conflistStatus: nothing to ask of a network older than 1.1.0.
      if (!versionGte(list.cniVersion || '0.1.0', '1.1.0')) return undefined;
      await cniConfig(call.exec).getStatusNetworkList(list);
      return undefined;
    }
    default:
      throw new Error(`unknown cmd type: ${req.command}`);
  }
}
