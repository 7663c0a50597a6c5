import { closeSync, openSync, constants as fsc } from 'node:fs';
import { NetlinkError, SyscallError, q } from '../errors';
import { libc } from '../_libc';
import type { OpsContext } from './_ctx';
import { findLink } from './link';
import type { TuntapSpec } from './link-types';

const TUNSETIFF = 0x400454ca;
const TUNSETPERSIST = 0x400454cb;
const TUNSETOWNER = 0x400454cc;
const TUNSETGROUP = 0x400454ce;
const IFF_TUN = 0x0001;
const IFF_TAP = 0x0002;
const IFF_MULTI_QUEUE = 0x0100;
const IFF_NO_PI = 0x1000;
const IFF_VNET_HDR = 0x4000;
const IFNAMSIZ = 16;
const EEXIST = 17;

function ioctl(fd: number, req: number, arg: Buffer | number, what: string, name: string): void {
  const c = libc();
  const rc = typeof arg === 'number' ? c.ioctlInt(fd, req, arg) : c.ioctlPtr(fd, req, arg);
  if (rc < 0) throw new SyscallError(c.errno(), what, q(name));
}

/**
 * Creates a persistent tap (or tun) device through /dev/net/tun, as `ip tuntap add` does. The
 * device belongs to the namespace the opening thread is in, so the handle switches for this.
 * EEXIST if a link of that name exists (TUNSETIFF would silently attach to a persistent one).
 */
export function tuntapAdd(ctx: OpsContext, spec: TuntapSpec): void {
  if (Buffer.byteLength(spec.name) >= IFNAMSIZ) throw new NetlinkError(22, 'creating tap', q(spec.name));
  if (findLink(ctx, spec.name)) throw new NetlinkError(EEXIST, 'creating tap', q(spec.name));
  ctx.inNetns(() => {
    let fd: number;
    try {
      fd = openSync('/dev/net/tun', fsc.O_RDWR);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      throw new SyscallError(-(e.errno ?? -5), 'opening /dev/net/tun for', q(spec.name));
    }
    try {
      const ifr = Buffer.alloc(40);
      ifr.write(spec.name, 0, IFNAMSIZ - 1);
      let flags = spec.mode === 'tun' ? IFF_TUN : IFF_TAP;
      if (!spec.pi) flags |= IFF_NO_PI;
      if (spec.vnetHdr) flags |= IFF_VNET_HDR;
      if (spec.multiQueue) flags |= IFF_MULTI_QUEUE;
      ifr.writeUInt16LE(flags, IFNAMSIZ);
      ioctl(fd, TUNSETIFF, ifr, 'creating tap', spec.name);
      if (spec.owner !== undefined) ioctl(fd, TUNSETOWNER, spec.owner, 'setting owner of tap', spec.name);
      if (spec.group !== undefined) ioctl(fd, TUNSETGROUP, spec.group, 'setting group of tap', spec.name);
      ioctl(fd, TUNSETPERSIST, 1, 'making tap persistent', spec.name);
    } finally {
      closeSync(fd);
    }
  });
}
