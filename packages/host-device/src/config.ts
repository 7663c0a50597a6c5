// The host-device network configuration: upstream's NetConf decoded with Go's JSON rules, and
// loadConf: runtimeConfig.deviceID picks the device (PCI or auxiliary bus), a selector is
// required, and a PCI device bound to a userspace (DPDK) driver has no netdev to move.
import { join } from 'node:path';
import * as z from 'zod';
import { decode, goStruct, netConf, toJsonSchema } from '@cni-ts/cni';
import { exists, hasDpdkDriver, SYS_BUS_AUXILIARY, SYS_BUS_PCI } from './sysfs';

export const configSchema = netConf('NetConf', {
  device: z.string().optional().describe('name of the host link to move into the container (highest priority)'),
  hwaddr: z.string().optional().describe('MAC address of the host link'),
  kernelpath: z.string().optional().describe('sysfs path of the device, /sys/devices/...; its first net/ entry is used'),
  pciBusID: z.string().optional().describe('PCI address (0000:00:1f.6); its first net/ entry is used'),
  // Go's untagged field: the key is the field name, matched in any case ("dpdkmode").
  DPDKMode: z.boolean().optional().describe('recomputed from the PCI driver when a PCI address is known (vfio-pci, uio_pci_generic, igb_uio)'),
  runtimeConfig: goStruct('struct { DeviceID string "json:\\"deviceID,omitempty\\"" }', '', {
    deviceID: z.string().optional().describe('capability deviceID: a PCI address or an auxiliary-bus device name'),
  })
    .optional()
    .describe('set by the runtime from capabilities'),
}).describe('host-device: moves an existing host link into the container and back');

export type NetConf = z.output<typeof configSchema>;
export type LoadedConf = NetConf & { auxDevice?: string; dpdk: boolean };

/** JSON Schema (draft 2020-12) of the host-device config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** json.Unmarshal of stdin into NetConf, wrapped as upstream does. */
export function decodeConf(config: unknown): NetConf {
  return decode(configSchema, config, { prefix: 'failed to load netconf' });
}

export function loadConf(config: unknown): LoadedConf {
  const n: LoadedConf = { ...decodeConf(config), dpdk: false };
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
