// Child of flock.test.ts: takes the lock on argv[2], says so, and hangs until killed.
import './load-src.mjs';
import { writeSync } from 'node:fs';

const { FileLock } = await import('../../src/index.ts');
const lock = new FileLock(process.argv[2]);
lock.lock();
writeSync(1, 'locked\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60_000);
