// A lock on an output directory, so that two builds (say `pnpm bench` and an e2e run of
// `pnpm cni install`) never write the same files at once. mkdir is atomic; the owner's pid is
// kept inside so a lock left by a killed build is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sleepSync as sleep } from '../../../packages/cni/src/proc.ts';

const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
};

/**
 * Takes `<dir>/.build-lock`, waiting up to `timeoutMs`; returns the release function.
 * @param {string} dir
 * @param {{timeoutMs?: number, onWait?: (ownerPid: number) => void}} [opts]
 */
export function lockDir(dir, { timeoutMs = 600_000, onWait = () => {} } = {}) {
  mkdirSync(dir, { recursive: true });
  const lock = join(dir, '.build-lock');
  const deadline = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(join(lock, 'pid'), String(process.pid));
      return () => rmSync(lock, { recursive: true, force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let owner = NaN;
    try {
      owner = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    } catch {
      // being created or removed right now
    }
    if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`${lock} is held by pid ${owner}`);
    if (!told) onWait(owner);
    told = true;
    sleep(200);
  }
}
