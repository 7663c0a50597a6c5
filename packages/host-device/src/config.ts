// The host-device network configuration, decoded as upstream's NetConf (Go JSON rules).
import * as z from 'zod';
import { toJsonSchema } from '@cni-ts/cni';
import { decodeNetConfWith, goBool, goStr, netConfFields } from '@cni-ts/plugin-kit';

export { ConfigError, ipamType } from '@cni-ts/plugin-kit';

export const netConfSchema = z
  .object({
    ...netConfFields(),
    device: goStr('NetConf').optional().describe('name of the host link to move into the container (highest priority)'),
    hwaddr: goStr('NetConf').optional().describe('MAC address of the host link'),
    kernelpath: goStr('NetConf').optional().describe('sysfs path of the device, /sys/devices/...; its first net/ entry is used'),
    pciBusID: goStr('NetConf').optional().describe('PCI address (0000:00:1f.6); its first net/ entry is used'),
    // Go's untagged field: the key is the field name, matched in any case ("dpdkmode").
    DPDKMode: goBool('NetConf')
      .optional()
      .describe('recomputed from the PCI driver when a PCI address is known (vfio-pci, uio_pci_generic, igb_uio)'),
    runtimeConfig: z
      .object({ deviceID: goStr('').optional().describe('capability deviceID: a PCI address or an auxiliary-bus device name') })
      .optional()
      .describe('set by the runtime from capabilities'),
  })
  .describe('host-device: moves an existing host link into the container and back');

export type NetConf = z.output<typeof netConfSchema>;

/** JSON Schema (draft 2020-12) of the host-device config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(netConfSchema);
}

/** json.Unmarshal of stdin into NetConf, wrapped as upstream does. */
export function decodeNetConf(config: unknown): NetConf {
  return decodeNetConfWith(netConfSchema, config);
}
