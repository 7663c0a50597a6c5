// The host-device plugin: moves an existing host link into the container (renamed to
// CNI_IFNAME, its host name kept in its alias) and back on DEL. ADD: config, find the device,
// move it in (move.ts), IPAM and addresses, result. A failure after the move sends the device
// back to the host as it was (upstream leaves it in the container and only releases the IPAM
// allocation). DPDK devices have no netdev: nothing is moved and only IPAM runs.
import { join } from 'node:path';
import { ipamCheck, ipamDel, ipamStatus, type Plugin, type Result100 } from '@cni-ts/cni';
import { linkByName, linkList, withNetns, type Link, type Netns } from '@cni-ts/netlink';
import {
  allocateAddresses,
  canonicalMac,
  checkContainerMac,
  configureIface,
  containerInterface,
  containerLink,
  ErrorCollector,
  errText,
  isNetnsGone,
  openContainerNetns,
  prevResultOf,
  validateExpectedInterfaceIPs,
  validateExpectedRoute,
  withContainer,
} from '@cni-ts/plugin-kit';
import { configSchema, decodeConf, loadConf, type LoadedConf } from './config';
import { moveLinkIn, moveLinkOut } from './move';
import { netdevFromDir, pciNetDir, SYS_BUS_AUXILIARY } from './sysfs';

const hostDevice: Plugin = {
  type: 'host-device',
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req.config);
    return withContainer(req, async (netns, rb) => {
      const result: Result100 = { cniVersion: '1.1.0', interfaces: [{ name: req.ifname, sandbox: netns.path }] };
      if (!conf.dpdk) {
        let hostDev;
        try {
          hostDev = findHostDevice(conf);
        } catch (err) {
          throw new Error(`failed to find host device: ${errText(err)}`, { cause: err });
        }
        let contDev;
        try {
          contDev = moveLinkIn(hostDev, netns, req.ifname);
        } catch (err) {
          // sic: upstream has no colon here
          throw new Error(`failed to move link ${errText(err)}`, { cause: err });
        }
        rb.add('moving the device back to the host', () => moveLinkOut(netns, req.ifname, { up: hostDev.up }));
        result.interfaces = [{ name: contDev.name, mac: contDev.mac ?? '', sandbox: netns.path }];
      }
      const ipam = conf.ipam?.type ?? '';
      if (ipam === '') return result;
      const out: Result100 = { ...(await allocateAddresses(ipam, req, rb)), cniVersion: '1.1.0', interfaces: result.interfaces };
      if (!conf.dpdk) withNetns(netns, () => configureIface(req.ifname, out, { log: req.log }));
      if (conf.dns) out.dns = conf.dns;
      else delete out.dns;
      return out;
    });
  },

  // The device of prevResult is in the sandbox with its MAC, and the addresses and routes of
  // the result are present (texts capitalised as upstream's).
  async check(req) {
    const conf = loadConf(req.config);
    const netns = openContainerNetns(req.netns);
    try {
      const ipam = conf.ipam?.type ?? '';
      if (ipam !== '') await ipamCheck(ipam, req);
      if (conf.prevResult === undefined) throw new Error('Required prevResult missing');
      const result = prevResultOf(conf.prevResult, req.cniVersion)!;
      if (conf.dpdk) return;
      const intf = containerInterface(result, req.ifname, req.netns);
      if (intf.sandbox !== req.netns) {
        throw new Error(`Sandbox in prevResult ${intf.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
      }
      withNetns(netns, () => {
        checkContainerMac(intf, containerLink(intf));
        validateExpectedInterfaceIPs(req.ifname, result.ips);
        validateExpectedRoute(result.routes);
      });
    } finally {
      netns.close();
    }
  },

  // Release the IPAM allocation and send the device home under its original name (kept in its
  // alias), left down. Unlike upstream, DEL is idempotent: without a netns or with the netns
  // gone the IPAM allocation is still released, and a device that is no longer in the container
  // (already moved out, or the namespace died and the kernel took it back) is not an error.
  async del(req) {
    const conf = loadConf(req.config);
    const errors = new ErrorCollector();
    let netns: Netns | undefined;
    if (req.netns !== '') {
      try {
        netns = openContainerNetns(req.netns);
      } catch (err) {
        if (!isNetnsGone(err)) throw err;
      }
    }
    try {
      const ipam = conf.ipam?.type ?? '';
      if (ipam !== '') await errors.tryAsync(() => ipamDel(ipam, req));
      if (netns && !conf.dpdk && hasLink(netns, req.ifname)) {
        const ns = netns;
        errors.try(() => moveLinkOut(ns, req.ifname));
      }
    } finally {
      netns?.close();
    }
    errors.throwIfAny();
  },

  // Only the IPAM plugin has something to say (whether the device exists is not checked, as upstream).
  async status(req) {
    const ipam = decodeConf(req.config).ipam?.type ?? '';
    if (ipam !== '') await ipamStatus(ipam, req);
  },
};

export default hostDevice;

function hasLink(netns: Netns, ifname: string): boolean {
  try {
    withNetns(netns, () => linkByName(ifname));
    return true;
  } catch {
    return false;
  }
}

function byName(name: string): Link {
  try {
    return linkByName(name);
  } catch (err) {
    throw new Error(errText(err), { cause: err });
  }
}

/** getLink: the host link named by the config (device > hwaddr > kernelpath > pciBusID > aux); errors are upstream's. */
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
