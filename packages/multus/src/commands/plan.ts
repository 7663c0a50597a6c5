// The delegates of one pod, in attach order (upstream CmdAdd steps 5-7): the cluster network
// (or the `delegates` of the config), defaultNetworks, the pod's default-network override,
// the networks annotation, then the auxiliary chain.
import path from 'node:path';
import { checkGatewayConfig } from '../gateway';
import { loadDelegateNetConfFromConfList, type DelegateNetConf } from '../delegate';
import { loadSubdirectoryChain } from '../confdir';
import { annotationDelegates, defaultNetworks, podDefaultNetwork, podNetworks, type ResolveContext } from '../k8s/resolve';
import { errText } from './common';

export class PlanError extends Error {
  /** Which step failed: the default networks, the pod's networks, or the auxiliary chain. */
  readonly step: 'default' | 'pod' | 'aux';
  /** What was resolved before the failure. */
  readonly partial: DelegateNetConf[];
  constructor(message: string, step: 'default' | 'pod' | 'aux', partial: DelegateNetConf[], cause: unknown) {
    super(message, { cause });
    this.step = step;
    this.partial = partial;
    this.name = 'PlanError';
  }
}

export async function planDelegates(ctx: ResolveContext): Promise<DelegateNetConf[]> {
  const { conf } = ctx;
  let delegates: DelegateNetConf[];
  if (conf.clusterNetwork !== '') {
    try {
      delegates = await defaultNetworks(ctx);
    } catch (err) {
      throw new PlanError(`failed to get clusterNetwork/defaultNetworks: ${errText(err)}`, 'default', [], err);
    }
  } else {
    delegates = conf.delegateList.map((d) => ({ ...d }));
  }
  if (ctx.client && ctx.pod) {
    try {
      const override = await podDefaultNetwork(ctx);
      if (override) delegates[0] = override;
      const networks = podNetworks(ctx.pod, ctx.budget);
      if (networks) {
        delegates.push(...(await annotationDelegates(ctx, networks)));
        checkGatewayConfig(delegates);
      }
    } catch (err) {
      throw new PlanError(`error loading k8s delegates k8s args: TryLoadPodDelegates: ${errText(err)}`, 'pod', delegates, err);
    }
  }
  if (conf.auxiliaryCNIChainName !== '') {
    if (!conf.clusterNetwork.includes('/')) {
      throw new PlanError(`auxiliary chain used but ClusterNetwork must be a path, and it is not a path: ${conf.clusterNetwork}`, 'aux', delegates, undefined);
    }
    const text = JSON.stringify({ cniVersion: conf.cniVersion ?? '', name: conf.auxiliaryCNIChainName, plugins: [{ type: 'passthru', name: 'passthru-cni' }] });
    try {
      const list = loadSubdirectoryChain(new TextEncoder().encode(text), path.dirname(conf.clusterNetwork));
      // Only a chain with plugins besides passthru is attached.
      if (list.plugins.length > 1) delegates.push(loadDelegateNetConfFromConfList(list));
    } catch {
      // upstream logs and carries on without the chain
    }
  }
  return delegates;
}
