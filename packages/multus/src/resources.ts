// resourceName -> deviceID (upstream kubeletclient/checkpoint): the devices the kubelet's
// device manager allocated to the pod, read from its checkpoint file, sorted per resource and
// handed out in order to the NADs that name the resource.
import { readFileSync } from 'node:fs';

export const DEFAULT_CHECKPOINT_FILE = '/var/lib/kubelet/device-plugins/kubelet_internal_checkpoint';

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
  const map: ResourceMap = new Map();
  for (const entry of data?.Data?.PodDeviceEntries ?? []) {
    if (entry.PodUID !== podUID) continue;
    const name = entry.ResourceName ?? '';
    let info = map.get(name);
    if (!info) map.set(name, (info = { index: 0, deviceIDs: [] }));
    for (const ids of Object.values(entry.DeviceIDs ?? {})) info.deviceIDs.push(...(ids ?? []));
  }
  for (const info of map.values()) info.deviceIDs.sort();
  return map;
}

/** The next device of `resourceName`, advancing the index; "" when none is left. */
export function takeDevice(map: ResourceMap, resourceName: string): string {
  const info = map.get(resourceName);
  if (!info || info.index >= info.deviceIDs.length) return '';
  return info.deviceIDs[info.index++]!;
}
