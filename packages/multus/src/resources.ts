// resourceName -> deviceID (upstream kubeletclient/checkpoint): the devices the kubelet's
// device manager allocated to the pod, from its pod-resources API (podresources.ts) or, where
// that socket does not exist, its checkpoint file, sorted per resource and handed out in order
// to the NADs that name the resource.
import { existsSync, readFileSync } from 'node:fs';

export const DEFAULT_CHECKPOINT_FILE = '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint';
/** upstream: LocalEndpoint(defaultPodResourcesPath, "kubelet"). */
export const DEFAULT_POD_RESOURCES_SOCKET = '/var/lib/kubelet/pod-resources/kubelet.sock';

export interface ResourceInfo {
  /** The next unused device. */
  index: number;
  deviceIDs: string[];
}

export type ResourceMap = Map<string, ResourceInfo>;

interface PodDevicesEntry {
  PodUID?: string;
  ResourceName?: string;
  DeviceIDs?: Record<string, string[] | null> | null;
}

/** GetPodResourceMap from the checkpoint file for the pod with `podUID`. */
export function checkpointResourceMap(file: string, podUID: string): ResourceMap {
  let data: { Data?: { PodDeviceEntries?: PodDevicesEntry[] | null } };
  try {
    data = JSON.parse(readFileSync(file, 'utf8')) as typeof data;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code) throw new Error(`getPodEntries: error reading file ${file}\n${e.message}\n`, { cause: err });
    throw new Error(`getPodEntries: error unmarshalling raw bytes ${e.message}`, { cause: err });
  }
  if (!podUID) throw new Error('GetPodResourceMap: invalid Pod cannot be empty');
  const devices: [string, string[]][] = [];
  for (const entry of data?.Data?.PodDeviceEntries ?? []) {
    if (entry.PodUID !== podUID) continue;
    for (const ids of Object.values(entry.DeviceIDs ?? {})) devices.push([entry.ResourceName ?? '', ids ?? []]);
  }
  return buildResourceMap(devices);
}

/** The map from (resource, device IDs) pairs in any order, each resource's IDs sorted (SortDeviceIDs). */
export function buildResourceMap(devices: Iterable<[string, string[]]>): ResourceMap {
  const map: ResourceMap = new Map();
  for (const [name, ids] of devices) {
    let info = map.get(name);
    if (!info) map.set(name, (info = { index: 0, deviceIDs: [] }));
    info.deviceIDs.push(...ids);
  }
  for (const info of map.values()) info.deviceIDs.sort();
  return map;
}

export interface ResourceSources {
  /** The kubelet's pod-resources socket (podresources.ts). */
  podResourcesSocket: string;
  /** The device manager's checkpoint, read when the socket does not exist. */
  checkpointFile: string;
}

/**
 * GetResourceClient + GetPodResourceMap: the kubelet's pod-resources API when its socket exists
 * (matched by namespace and name), else the checkpoint file (matched by UID). As upstream, a
 * socket that exists but does not answer is an error, not a reason to read the checkpoint.
 */
export async function podResourceMap(src: ResourceSources, pod: { name: string; namespace: string; uid: string }): Promise<ResourceMap> {
  if (existsSync(src.podResourcesSocket)) {
    const { listPodResources, podResourceMapFromList } = await import('./podresources');
    let response: Buffer;
    try {
      response = await listPodResources(src.podResourcesSocket);
    } catch (err) {
      throw new Error(`getKubeletClient: error getting pod resources from client: ${(err as Error).message}`, { cause: err });
    }
    return podResourceMapFromList(response, pod);
  }
  return checkpointResourceMap(src.checkpointFile, pod.uid);
}

/** The next device of `resourceName`, advancing the index; "" when none is left. */
export function takeDevice(map: ResourceMap, resourceName: string): string {
  const info = map.get(resourceName);
  if (!info || info.index >= info.deviceIDs.length) return '';
  return info.deviceIDs[info.index++]!;
}
