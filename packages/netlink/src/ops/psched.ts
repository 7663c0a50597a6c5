// The kernel's packet-scheduler clock, read once per process from /proc/net/psched (the same in
// every namespace: it describes the kernel's timer, not the network stack).
import { readFileSync } from 'node:fs';
import { SyscallError } from '../errors';
import { parsePsched, type PschedClock } from '../codec/tc-clock';

let cached: PschedClock | undefined;

/**
 * The tick ratio tc's times are converted with (vishvananda's TickInUsec): 15.625 ticks per µs on
 * any kernel since 2.6.x. Throws when /proc/net/psched cannot be read, rather than computing
 * every bucket as 0 (what the Go library does then).
 */
export function pschedClock(path = '/proc/net/psched'): PschedClock {
  if (cached && path === '/proc/net/psched') return cached;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    // node's errno is negative; EIO when it has none
    throw new SyscallError(Math.abs((err as NodeJS.ErrnoException).errno ?? 5), 'reading', path, { cause: err });
  }
  const clock = parsePsched(text);
  if (path === '/proc/net/psched') cached = clock;
  return clock;
}
