// ns.TempNetNS: an anonymous network namespace that lives as long as its fd (host-device
// renames devices there, away from udev and NetworkManager on the host). Nothing is mounted,
// so a crash cannot leave a namespace file behind.
import { closeSync, openSync, constants as fsc } from 'node:fs';
import { koffi, SyscallError, warmLibuvPool, type Netns } from '@cni-ts/netlink';

const CLONE_NEWNET = 0x40000000;
const THREAD_NETNS = '/proc/thread-self/ns/net';

interface Sys {
  unshare(flags: number): number;
  setns(fd: number, type: number): number;
  errno(): number;
}

let sys: Sys | undefined;
function bind(): Sys {
  if (sys) return sys;
  const k = koffi();
  const lib = k.load('libc.so.6');
  sys = { unshare: lib.func('int unshare(int)'), setns: lib.func('int setns(int, int)'), errno: () => k.errno() };
  return sys;
}

class TempNetns implements Netns {
  #fd: number;
  readonly path: string;
  constructor(fd: number) {
    this.#fd = fd;
    this.path = `/proc/${process.pid}/fd/${fd}`;
  }
  get fd(): number {
    return this.#fd;
  }
  close(): void {
    if (this.#fd < 0) return;
    closeSync(this.#fd);
    this.#fd = -1;
  }
  [Symbol.dispose](): void {
    this.close();
  }
}

/** Creates a fresh, unnamed network namespace; close() it to let the kernel free it. */
export function tempNetns(): Netns {
  const s = bind();
  warmLibuvPool();
  const back = openSync(THREAD_NETNS, fsc.O_RDONLY);
  try {
    if (s.unshare(CLONE_NEWNET) < 0) throw new SyscallError(s.errno(), 'unsharing netns');
    const fd = openSync(THREAD_NETNS, fsc.O_RDONLY);
    if (s.setns(back, CLONE_NEWNET) < 0) {
      // Stuck in the new namespace: continuing could configure the wrong host.
      process.stderr.write('cni-ts: fatal: cannot return from a temporary netns\n');
      (process as unknown as { reallyExit?: (code: number) => void }).reallyExit?.(70);
      process.abort();
    }
    return new TempNetns(fd);
  } finally {
    closeSync(back);
  }
}
