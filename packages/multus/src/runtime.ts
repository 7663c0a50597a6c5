// What each delegate is run with (upstream CreateCNIRuntimeConf / getIfname): its interface
// name, CNI_ARGS (the Kubernetes keys, then the runtime's own CNI_ARGS), and the capability
// arguments (the runtime's runtimeConfig, overlaid with the pod's requests for secondaries).
import path from 'node:path';
import type { RuntimeConf } from '@cni-ts/chain';
import type { RuntimeConfig } from './config';
import type { DelegateNetConf } from './delegate';

export interface K8sArgs {
  K8S_POD_NAMESPACE?: string;
  K8S_POD_NAME?: string;
  K8S_POD_INFRA_CONTAINER_ID?: string;
  K8S_POD_UID?: string;
}

/** getIfname: the requested name; the master gets CNI_IFNAME; else net<idx> (idx counts the master). */
export function ifnameFor(d: DelegateNetConf, argIfname: string, idx: number): string {
  if (d.ifnameRequest) return d.ifnameRequest;
  if (d.masterPlugin) return argIfname;
  return `net${idx}`;
}

/**
 * CNI_ARGS pairs: IgnoreUnknown and the four Kubernetes keys, then each `k=v` of the runtime's
 * CNI_ARGS fills a same-named empty slot or is appended (so keys may repeat, as upstream).
 */
export function delegateArgs(k: K8sArgs, runtimeArgs: string): [string, string][] {
  const args: [string, string][] = [
    ['IgnoreUnknown', 'true'],
    ['K8S_POD_NAMESPACE', k.K8S_POD_NAMESPACE ?? ''],
    ['K8S_POD_NAME', k.K8S_POD_NAME ?? ''],
    ['K8S_POD_INFRA_CONTAINER_ID', k.K8S_POD_INFRA_CONTAINER_ID ?? ''],
    ['K8S_POD_UID', k.K8S_POD_UID ?? ''],
  ];
  if (runtimeArgs === '') return args;
  for (const pair of runtimeArgs.split(';')) {
    const at = pair.indexOf('=');
    if (at < 0) continue; // upstream logs and skips it
    const key = pair.slice(0, at);
    const value = pair.slice(at + 1);
    const slot = args.find(([k2, v2]) => k2 === key && v2 === '' && value !== '');
    if (slot) slot[1] = value;
    else args.push([key, value]);
  }
  return args;
}

/** nadutils.GetCNIDeviceInfoPath. */
export function cniDeviceInfoPath(devInfoDir: string, delegateName: string, containerId: string, ifname: string): string {
  return path.join(devInfoDir, 'cni', `${delegateName}-${containerId}_${ifname}`.replaceAll('/', '-'));
}

/** mergeCNIRuntimeConfig + delegateRuntimeConfig. */
export function delegateRuntimeConfig(rc: RuntimeConfig | undefined, d: DelegateNetConf, deviceInfoFile: () => string): RuntimeConfig {
  const merged: RuntimeConfig = { ...rc };
  if (!d.masterPlugin) {
    if (d.portMappingsRequest) merged.portMappings = d.portMappingsRequest;
    if (d.bandwidthRequest) merged.bandwidth = d.bandwidthRequest;
    if (d.ipRequest) merged.ips = d.ipRequest;
    if (d.macRequest) merged.mac = d.macRequest;
    if (d.infinibandGUIDRequest) merged.infinibandGUID = d.infinibandGUIDRequest;
    if (d.deviceID) merged.deviceID = d.deviceID;
  }
  if (merged.deviceID) merged.CNIDeviceInfoFile = deviceInfoFile();
  return merged;
}

/** The capability arguments libcni hands the delegate (only non-empty ones). */
export function capabilityArgs(rc: RuntimeConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (rc.portMappings?.length) out.portMappings = rc.portMappings;
  if (rc.bandwidth) out.bandwidth = rc.bandwidth;
  if (rc.ips?.length) out.ips = rc.ips;
  if (rc.mac) out.mac = rc.mac;
  if (rc.infinibandGUID) out.infinibandGUID = rc.infinibandGUID;
  if (rc.deviceID) out.deviceID = rc.deviceID;
  if (rc.CNIDeviceInfoFile) out.CNIDeviceInfoFile = rc.CNIDeviceInfoFile;
  return out;
}

export interface DelegateRuntime {
  rt: RuntimeConf;
  /** CNIDeviceInfoFile, when the delegate has a device. */
  deviceInfoFile: string;
}

export interface RuntimeInput {
  containerId: string;
  netns: string;
  ifname: string;
  k8s: K8sArgs;
  /** The runtime's CNI_ARGS as received. */
  cniArgs: string;
  runtimeConfig: RuntimeConfig | undefined;
  devInfoDir: string;
}

/** CreateCNIRuntimeConf for delegate `idx`. */
export function runtimeFor(d: DelegateNetConf, idx: number, input: RuntimeInput): DelegateRuntime {
  const ifName = ifnameFor(d, input.ifname, idx);
  const rc = delegateRuntimeConfig(input.runtimeConfig, d, () => cniDeviceInfoPath(input.devInfoDir, d.name, input.containerId, ifName));
  return {
    rt: {
      containerId: input.containerId,
      netns: input.netns,
      ifName,
      args: delegateArgs(input.k8s, input.cniArgs),
      capabilityArgs: capabilityArgs(rc),
    },
    deviceInfoFile: rc.CNIDeviceInfoFile ?? '',
  };
}
