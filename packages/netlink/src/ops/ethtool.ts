import { SyscallError } from '../errors';
import { libc } from '../_libc';
import type { OpsContext } from './_ctx';
import { linkByIndex, linkObject } from './link';
import type { LinkRef } from './link-types';

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_CLOEXEC = 0o2000000;
const SIOCETHTOOL = 0x8946;
const ETHTOOL_GDRVINFO = 0x3;
const IFNAMSIZ = 16;

/** What `ethtool -i` shows. */
export interface DriverInfo {
  driver: string;
  version: string;
  firmwareVersion: string;
  busInfo: string;
}

const cstr = (b: Buffer, off: number, len: number) => {
  const s = b.subarray(off, off + len);
  const nul = s.indexOf(0);
  return s.toString('utf8', 0, nul === -1 ? len : nul);
};

/**
 * The driver of a link through the ETHTOOL_GDRVINFO ioctl ('veth', 'bridge', 'macvlan', a NIC's
 * driver...). The ioctl socket is opened inside the handle's namespace; the name is looked up there.
 */
export function linkDriverInfo(ctx: OpsContext, ref: LinkRef): DriverInfo {
  const name = typeof ref === 'string' ? ref : (typeof ref === 'object' && ref.name) || linkByIndex(ctx, typeof ref === 'number' ? ref : ref.index).name;
  const c = libc();
  const fd = ctx.inNetns(() => c.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (fd < 0) throw new SyscallError(c.errno(), 'opening ethtool socket for', linkObject(ref));
  try {
    // struct ethtool_drvinfo: cmd, driver[32], version[32], fw_version[32], bus_info[32], ...
    const info = Buffer.alloc(196);
    info.writeUInt32LE(ETHTOOL_GDRVINFO, 0);
    // struct ifreq: ifr_name[16], then the ifr_data pointer.
    const ifr = Buffer.alloc(40);
    ifr.write(name, 0, IFNAMSIZ - 1);
    ifr.writeBigUInt64LE(c.address(info), IFNAMSIZ);
    if (c.ioctlPtr(fd, SIOCETHTOOL, ifr) < 0) {
      throw new SyscallError(c.errno(), 'reading driver info of link', linkObject(ref));
    }
    return {
      driver: cstr(info, 4, 32),
      version: cstr(info, 36, 32),
      firmwareVersion: cstr(info, 68, 32),
      busInfo: cstr(info, 100, 32),
    };
  } finally {
    c.close(fd);
  }
}
