import { reapStaleNetns } from './netns';
import { requireRoot } from './root';

/** vitest globalSetup of the root suites: refuse clearly without root, reap stale namespaces. */
export function setup(): void {
  requireRoot();
  const reaped = reapStaleNetns();
  if (reaped.length) console.log(`testkit: reaped ${reaped.length} stale namespace(s) of killed runs`);
}

export function teardown(): void {
  // Every fork is gone now, so anything they did not clean up (a timed-out test) is stale.
  reapStaleNetns();
}
