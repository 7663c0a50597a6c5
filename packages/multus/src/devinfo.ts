// Device-info files (the net-attach-def client's devinfo helpers): the device plugin writes
// `<dir>/dp/<resource>-<device>-device.json`; Multus copies it to the delegate's
// CNIDeviceInfoFile before ADD, reads it back for the network status, removes it on DEL.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { normalizeDeviceInfo, type DeviceInfo } from './status';

export const DEFAULT_DEVINFO_DIR = '/var/run/k8s.cni.cncf.io/devinfo';

export function dpDeviceInfoPath(dir: string, resourceName: string, deviceID: string): string {
  return path.join(dir, 'dp', `${resourceName.replaceAll('/', '-')}-${deviceID.replaceAll('/', '-')}-device.json`);
}

/** CopyDeviceInfoForCNIFromDP; errors are for logging only (the file may legitimately be absent). */
export function copyDeviceInfo(dir: string, cniPath: string, resourceName: string, deviceID: string): void {
  const info = JSON.parse(readFileSync(dpDeviceInfoPath(dir, resourceName, deviceID), 'utf8')) as unknown;
  if (existsSync(cniPath)) throw new Error(`Device Information file already exists: ${cniPath}`);
  mkdirSync(path.dirname(cniPath), { recursive: true });
  writeFileSync(cniPath, JSON.stringify(normalizeDeviceInfo(info)), { mode: 0o444 });
}

export function loadDeviceInfo(cniPath: string): DeviceInfo | undefined {
  try {
    return normalizeDeviceInfo(JSON.parse(readFileSync(cniPath, 'utf8')));
  } catch {
    return undefined;
  }
}

export function cleanDeviceInfo(cniPath: string): void {
  rmSync(cniPath, { force: true });
}
