// Running delegates through @cni-ts/chain (libcni): a single config with AddNetwork & co., a
// list with AddNetworkList & co. Plugins are looked up in binDir, then CNI_PATH; ours run
// in-process when the binary found is ours, anything else is exec'd. The libcni result cache
// lives in <cniDir>/results, as upstream.
import { CniConfig, confListFromBytes, pluginConfFromBytes, type NetworkConfigList, type RuntimeConf } from '@cni-ts/chain';
import { splitPath, type Result } from '@cni-ts/cni';
import type { NetConf } from './config';
import type { DelegateNetConf } from './delegate';

export interface ExecContext {
  conf: NetConf;
  /** CNI_PATH as received. */
  pathEnv: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Force exec for every delegate (tests; CNI_TS_MULTUS_EXEC=1). */
  execOnly?: boolean;
  onStderr?: (text: string) => void;
  /** The request's: ADD and CHECK stop (exec'd delegates are killed) when it aborts; DEL always runs to the end. */
  signal?: AbortSignal;
  /** Deadline of each exec'd delegate (ms). */
  timeoutMs?: number;
  /** Exec every delegate chrooted into this directory (the thick daemon's chrootDir), none in-process. */
  chroot?: string;
}

/**
 * Set in every delegate's environment: our Multus refuses to run with it, so no delegate can
 * start Multus again (under any name) and hand it a configuration of its choosing.
 */
export const NESTED_ENV = 'CNI_TS_MULTUS_NESTED';

export function cniConfig(ctx: ExecContext, cancellable = false): CniConfig {
  return new CniConfig({
    timeoutMs: ctx.timeoutMs,
    ...(cancellable && ctx.signal ? { signal: ctx.signal } : {}),
    path: [ctx.conf.binDir, ...splitPath(ctx.pathEnv)],
    cacheDir: ctx.conf.cniDir,
    env: { ...ctx.env, [NESTED_ENV]: '1' },
    inProcess: !ctx.execOnly && !ctx.chroot,
    ...(ctx.chroot ? { chroot: ctx.chroot } : {}),
    onStderr: ctx.onStderr,
  });
}

/** The list from the delegate's bytes: lossless (folder plugins inline), and what the cache keeps. */
function listOf(d: DelegateNetConf): NetworkConfigList {
  try {
    return confListFromBytes(d.bytes);
  } catch (err) {
    throw new Error(`conflist: error converting the raw bytes into a conflist: ${(err as Error).message}`, { cause: err });
  }
}

function confOf(d: DelegateNetConf) {
  try {
    return pluginConfFromBytes(d.bytes);
  } catch (err) {
    throw new Error(`error in converting the raw bytes to conf: ${(err as Error).message}`, { cause: err });
  }
}

export async function delegateAddExec(ctx: ExecContext, d: DelegateNetConf, rt: RuntimeConf): Promise<Result | undefined> {
  const cni = cniConfig(ctx, true);
  if (d.confListPlugin) return cni.addNetworkList(listOf(d), rt);
  return cni.addNetwork(confOf(d), rt);
}

/** DelegateDel, with upstream's wrapping. */
export async function delegateDelExec(ctx: ExecContext, d: DelegateNetConf, rt: RuntimeConf): Promise<void> {
  const cni = cniConfig(ctx);
  if (d.confListPlugin) {
    try {
      await cni.delNetworkList(listOf(d), rt);
    } catch (err) {
      throw new Error(`DelegateDel: error invoking ConflistDel - ${JSON.stringify(d.confList.name ?? '')}: conflistDel: error in getting result from DelNetworkList: ${(err as Error).message}`, { cause: err });
    }
    return;
  }
  try {
    await cni.delNetwork(confOf(d), rt);
  } catch (err) {
    throw new Error(`DelegateDel: error invoking DelegateDel - ${JSON.stringify(d.conf.type ?? '')}: error in getting result from DelNetwork: ${(err as Error).message}`, { cause: err });
  }
}

export async function delegateCheckExec(ctx: ExecContext, d: DelegateNetConf, rt: RuntimeConf): Promise<void> {
  const cni = cniConfig(ctx, true);
  if (d.confListPlugin) {
    try {
      await cni.checkNetworkList(listOf(d), rt);
    } catch (err) {
      throw new Error(`DelegateCheck: error invoking ConflistCheck - ${JSON.stringify(d.confList.name ?? '')}: conflistCheck: error in getting result from CheckNetworkList: ${(err as Error).message}`, { cause: err });
    }
    return;
  }
  try {
    await cni.checkNetwork(confOf(d), rt);
  } catch (err) {
    throw new Error(`DelegateCheck: error invoking DelegateCheck - ${JSON.stringify(d.conf.type ?? '')}: error in getting result from CheckNetwork: ${(err as Error).message}`, { cause: err });
  }
}

/** The delegate as a list (a single config wrapped as libcni's STATUS/GC paths do). */
export function asList(d: DelegateNetConf): NetworkConfigList {
  if (d.confListPlugin) return listOf(d);
  const net = confOf(d);
  return {
    name: net.network.name ?? '',
    cniVersion: net.network.cniVersion ?? '',
    disableCheck: false,
    disableGC: false,
    loadOnlyInlinedPlugins: false,
    plugins: [net],
    bytes: d.bytes,
  };
}
