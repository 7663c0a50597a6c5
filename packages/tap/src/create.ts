// Making the tap device inside the container namespace (the calling thread is switched into
// it). Upstream runs `ip tuntap add` unless both owner and group are set; we talk to
// /dev/net/tun ourselves (TUNSETIFF, TUNSETOWNER, TUNSETGROUP, TUNSETPERSIST) and give the
// device the flags of the path upstream would have taken. Only an SELinux context needs a new
// program: the kernel labels the device after the creating process, and a process can only be
// given a context at exec (setexeccon), so then `ip tuntap add` runs under that label.
import { writeFileSync } from 'node:fs';
import { linkByName, linkSetHardwareAddr, linkSetMtu, tuntapAdd, type TuntapSpec } from '@cni-ts/netlink';
import { canonicalMac, errText, lookPath, pathErrorText, runTool } from '@cni-ts/plugin-kit';
import type { NetConf } from './config';

const EXEC_ATTR = '/proc/thread-self/attr/exec';

/** The tap's flags as upstream makes them: `ip tuntap` (no PI header, no vnet header) or vishvananda/netlink's Tuntap (vnet header; PI unless multi-queue). */
export function tapSpec(name: string, conf: NetConf): TuntapSpec {
  const viaNetlink = !conf.selinuxContext && conf.owner !== undefined && conf.group !== undefined;
  const multiQueue = conf.multiQueue === true;
  return {
    name,
    mode: 'tap',
    pi: viaNetlink && !multiQueue,
    vnetHdr: viaNetlink,
    multiQueue,
    ...(conf.owner !== undefined && { owner: conf.owner }),
    ...(conf.group !== undefined && { group: conf.group }),
  };
}

/** Creates the tap `name` in the current namespace with the config's MTU and MAC. */
export function createTapDevice(name: string, conf: NetConf): void {
  const mac = conf.mac ? macOf(conf.mac) : undefined;
  if (conf.selinuxContext) createLabelled(name, conf);
  else {
    try {
      tuntapAdd(tapSpec(name, conf));
    } catch (err) {
      throw new Error(`failed to create tap: ${errText(err)}`, { cause: err });
    }
  }
  try {
    const index = linkByName(name).index;
    if (conf.mtu) linkSetMtu(index, conf.mtu);
    if (mac) linkSetHardwareAddr(index, mac);
  } catch (err) {
    throw new Error(`failed to set up tap ${JSON.stringify(name)}: ${errText(err)}`, { cause: err });
  }
}

function createLabelled(name: string, conf: NetConf): void {
  try {
    writeFileSync(EXEC_ATTR, conf.selinuxContext!);
  } catch (err) {
    throw new Error(`failed set socket label: ${pathErrorText('write', EXEC_ATTR, err)}`, { cause: err });
  }
  try {
    const args = ['tuntap', 'add', 'mode', 'tap', 'name', name];
    if (conf.multiQueue) args.push('multi_queue');
    if (conf.owner !== undefined) args.push('user', String(conf.owner));
    if (conf.group !== undefined) args.push('group', String(conf.group));
    const r = runTool(lookPath('ip'), args);
    if (r.status !== 0) throw new Error(`failed to run command ${r.stdout}${r.stderr}: ${r.reason}`);
  } finally {
    // The label is for this one exec: IPAM and anything else we start keep our own context.
    try {
      writeFileSync(EXEC_ATTR, '');
    } catch {
      // nothing was left set
    }
  }
}

function macOf(text: string): string {
  try {
    return canonicalMac(text);
  } catch (err) {
    throw new Error(`invalid args ${text} for MAC addr: ${errText(err)}`, { cause: err });
  }
}
