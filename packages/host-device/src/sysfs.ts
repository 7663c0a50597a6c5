// The sysfs lookups of host-device, with Go's error texts (os.ReadDir, filepath.EvalSymlinks).
import { lstatSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathErrorText } from '@cni-ts/plugin-kit';

export const SYS_BUS_PCI = '/sys/bus/pci/devices';
export const SYS_BUS_AUXILIARY = '/sys/bus/auxiliary/devices';

/** Drivers that hand the device to userspace (DPDK): it has no netdev to move. */
export const USERSPACE_DRIVERS = ['vfio-pci', 'uio_pci_generic', 'igb_uio'];

export function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** filepath.EvalSymlinks: on failure, the lstat error of the first component that fails. */
function evalSymlinks(path: string): string {
  try {
    return realpathSync(path);
  } catch (err) {
    const parts = path.split('/').filter(Boolean);
    let cur = '';
    for (const p of parts) {
      cur += `/${p}`;
      try {
        lstatSync(cur);
      } catch (e) {
        throw new Error(pathErrorText('lstat', cur, e), { cause: e });
      }
    }
    throw new Error(pathErrorText('lstat', path, err), { cause: err });
  }
}

/** hasDpdkDriver: the basename of the device's driver symlink is a userspace driver. */
export function hasDpdkDriver(pciAddr: string): boolean {
  const driver = evalSymlinks(join(SYS_BUS_PCI, pciAddr, 'driver'));
  try {
    statSync(driver);
  } catch (err) {
    throw new Error(pathErrorText('stat', driver, err), { cause: err });
  }
  return USERSPACE_DRIVERS.includes(basename(driver));
}

/** The first entry (by name) of a device's net/ directory: its netdev name. */
export function netdevFromDir(dir: string): string {
  let entries: string[];
  try {
    entries = readdirSync(dir).toSorted();
  } catch (err) {
    // Go formats the error with %q.
    throw new Error(`failed to read directory ${dir}: ${JSON.stringify(pathErrorText('open', dir, err))}`, { cause: err });
  }
  if (entries.length === 0) throw new Error(`failed to find network device in path ${dir}`);
  return entries[0]!;
}

/** The net/ directory of a PCI device, or of its virtio child (`<id>/virtio*\/net`). */
export function pciNetDir(pciAddr: string): string {
  const dir = join(SYS_BUS_PCI, pciAddr, 'net');
  try {
    lstatSync(dir);
    return dir;
  } catch {
    const parent = join(SYS_BUS_PCI, pciAddr);
    let children: string[] = [];
    try {
      children = readdirSync(parent).toSorted();
    } catch {
      // no device directory at all
    }
    for (const c of children) {
      if (!c.startsWith('virtio')) continue;
      const net = join(parent, c, 'net');
      try {
        lstatSync(net);
        return net;
      } catch {
        // keep looking
      }
    }
    throw new Error(`no net directory under pci device ${pciAddr}`);
  }
}

