import { reapStaleNetns } from './netns';
import { requireRoot } from './root';
import { startServedMode, stopServedMode } from './served';

/** vitest globalSetup of the root suites: refuse clearly without root, reap stale namespaces. */
export async function setup(): Promise<void> {
  requireRoot();
  const reaped = reapStaleNetns();
  if (reaped.length) console.log(`testkit: reaped ${reaped.length} stale namespace(s) of killed runs`);
  // CNI_TS_SERVED=1: every run of our plugins goes through a resident server (served.ts).
  await startServedMode();
}

export async function teardown(): Promise<void> {
  // Every fork is gone now, so anything they did not clean up (a timed-out test) is stale.
  reapStaleNetns();
  await stopServedMode();
}
