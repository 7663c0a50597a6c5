// Child of netns.e2e.ts: switches into the namespace given as argv[2], creates a dummy-free marker
// (a veth pair) there, says so on stdout and then hangs while still switched, waiting to be killed.
import './load-src.mjs';
import { writeSync } from 'node:fs';

const { withNetns, openNetns } = await import('../../src/index.ts');
const ns = openNetns(process.argv[2]);
withNetns(ns, () => {
  writeSync(1, 'switched\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
});
