// getLink: the host link named by the config (device > hwaddr > kernelpath > pciBusID > aux).
import { join } from 'node:path';
import { linkByName, linkList, type Link } from '@cni-ts/netlink';
import { canonicalMac, errText } from '@cni-ts/plugin-kit';
import type { LoadedConf } from './load';
import { netdevFromDir, pciNetDir, SYS_BUS_AUXILIARY } from './sysfs';

function byName(name: string): Link {
  try {
    return linkByName(name);
  } catch (err) {
    throw new Error(errText(err), { cause: err });
  }
}

/** Finds the device in the current namespace; errors are upstream's (the caller wraps them). */
export function findHostDevice(conf: LoadedConf): Link {
  if (conf.device) return byName(conf.device);
  if (conf.hwaddr) {
    let mac: string;
    try {
      mac = canonicalMac(conf.hwaddr);
    } catch (err) {
      throw new Error(`failed to parse MAC address ${JSON.stringify(conf.hwaddr)}: ${errText(err)}`, { cause: err });
    }
    let links: Link[];
    try {
      links = linkList();
    } catch (err) {
      throw new Error(`failed to list node links: ${errText(err)}`, { cause: err });
    }
    const found = links.find((l) => l.mac === mac);
    if (found) return found;
    throw new Error('failed to find physical interface');
  }
  if (conf.kernelpath) {
    if (!conf.kernelpath.startsWith('/sys/devices/')) {
      throw new Error(`kernel device path ${JSON.stringify(conf.kernelpath)} must be absolute and begin with /sys/devices/`);
    }
    return byName(netdevFromDir(join(conf.kernelpath, 'net')));
  }
  if (conf.pciBusID) return byName(netdevFromDir(pciNetDir(conf.pciBusID)));
  if (conf.auxDevice) return byName(netdevFromDir(join(SYS_BUS_AUXILIARY, conf.auxDevice, 'net')));
  throw new Error('failed to find physical interface');
}
