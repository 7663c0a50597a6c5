// loadConf: decode, let runtimeConfig.deviceID pick the device (PCI or auxiliary bus), demand a
// selector, and find out whether a PCI device is bound to a userspace (DPDK) driver.
import { join } from 'node:path';
import { decodeNetConf, type NetConf } from './config';
import { exists, hasDpdkDriver, SYS_BUS_AUXILIARY, SYS_BUS_PCI } from './sysfs';

export type LoadedConf = NetConf & { auxDevice?: string; dpdk: boolean };

export function loadConf(config: unknown): LoadedConf {
  const n: LoadedConf = { ...decodeNetConf(config), dpdk: false };
  const deviceID = n.runtimeConfig?.deviceID ?? '';
  if (deviceID !== '') {
    if (exists(join(SYS_BUS_PCI, deviceID))) {
      n.pciBusID = deviceID;
    } else if (exists(join(SYS_BUS_AUXILIARY, deviceID))) {
      n.pciBusID = '';
      n.auxDevice = deviceID;
    } else {
      throw new Error(`runtime config DeviceID ${deviceID} not found or unsupported`);
    }
  }
  if (!n.device && !n.hwaddr && !n.kernelpath && !n.pciBusID && !n.auxDevice) {
    throw new Error('specify either "device", "hwaddr", "kernelpath" or "pciBusID"');
  }
  n.dpdk = n.DPDKMode ?? false;
  if (n.pciBusID) {
    try {
      n.dpdk = hasDpdkDriver(n.pciBusID);
    } catch (err) {
      throw new Error(`error with host device: ${(err as Error).message}`, { cause: err });
    }
  }
  return n;
}
