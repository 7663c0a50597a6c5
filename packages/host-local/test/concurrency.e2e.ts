// Go and TypeScript host-local processes allocating from ONE data directory at the same time:
// the shared flock on <dataDir>/<network>/lock must keep every address unique. And a process
// killed with SIGKILL while it holds that lock must not leave the directory locked.
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkLeaks, cniEnv, goImpl, type Impl, json, runAsync, runSync, tempPaths, testEnv, tsImpl } from '@cni-ts/testkit';
import { beforeAll, describe, expect, it } from 'vitest';

checkLeaks();

let ours: Impl;
const go = goImpl('host-local');
beforeAll(async () => {
  ours = await tsImpl('host-local');
});
// The SIGKILL cases leave 80,000 junk files: removing them can take long on a loaded machine.
const temp = tempPaths(300_000);
const dataDir = () => temp.dir('hl-conc');

const conf = (dir: string, subnet: string) => ({
  cniVersion: '1.0.0',
  name: 'conc',
  type: 'bridge',
  ipam: { type: 'host-local', dataDir: dir, subnet },
});

const reservations = (dir: string) =>
  readdirSync(join(dir, 'conc')).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip.'));

type Ip = { address: string };

describe('Go and ours on one data directory', () => {
  it('64 parallel ADDs (32 each): no duplicate, every file right; 64 parallel DELs free everything', async () => {
    const env = testEnv();
    const dir = dataDir();
    const c = conf(dir, '10.60.0.0/24');
    const impl = (i: number) => (i % 2 === 0 ? go : ours);
    const adds = await Promise.all(
      Array.from({ length: 64 }, (_, i) => runAsync(impl(i), { command: 'ADD', containerId: `ctr${i}`, netns: env.container.path }, c)),
    );
    adds.forEach((r, i) => expect(r.code, `${impl(i).name} ctr${i}: ${r.stdout}`).toBe(0));
    const addrs = adds.map((r) => ((json(r) as { ips: Ip[] }).ips[0] as Ip).address);
    expect(new Set(addrs).size).toBe(64);
    const files = reservations(dir);
    expect(files).toHaveLength(64);
    addrs.forEach((a, i) => expect(readFileSync(join(dir, 'conc', a.split('/')[0] as string), 'utf8')).toBe(`ctr${i}\r\neth0`));

    // each implementation releases what the other one allocated
    const dels = await Promise.all(
      Array.from({ length: 64 }, (_, i) => runAsync(impl(i + 1), { command: 'DEL', containerId: `ctr${i}`, netns: env.container.path }, c)),
    );
    dels.forEach((r, i) => expect(r.code, `DEL ctr${i}: ${r.stdout}`).toBe(0));
    expect(reservations(dir)).toEqual([]);
  });

  it('racing for the last addresses: exactly the free ones are handed out, the rest fail cleanly', async () => {
    const env = testEnv();
    const dir = dataDir();
    // 10.61.0.2 .. 10.61.0.62: 61 addresses for 64 containers
    const c = conf(dir, '10.61.0.0/26');
    const impl = (i: number) => (i % 2 === 0 ? ours : go);
    const adds = await Promise.all(
      Array.from({ length: 64 }, (_, i) => runAsync(impl(i), { command: 'ADD', containerId: `ctr${i}`, netns: env.container.path }, c)),
    );
    const ok = adds.filter((r) => r.code === 0);
    const failed = adds.filter((r) => r.code !== 0);
    expect(ok).toHaveLength(61);
    for (const r of failed) {
      expect(json(r)).toEqual({ code: 999, msg: 'failed to allocate for range 0: no IP addresses available in range set: 10.61.0.1-10.61.0.62' });
    }
    const addrs = ok.map((r) => ((json(r) as { ips: Ip[] }).ips[0] as Ip).address);
    expect(new Set(addrs).size).toBe(61);
    expect(reservations(dir)).toHaveLength(61);
    await Promise.all(
      Array.from({ length: 64 }, (_, i) => runAsync(impl(i + 1), { command: 'DEL', containerId: `ctr${i}`, netns: env.container.path }, c)),
    );
    expect(reservations(dir)).toEqual([]);
  });
});

/** pids holding a flock on the file (from /proc/locks). */
function lockHolders(path: string): number[] {
  const ino = statSync(path).ino;
  return readFileSync('/proc/locks', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[1] === 'FLOCK' && f[5]?.endsWith(`:${ino}`))
    .map((f) => Number(f[4]));
}

describe('SIGKILL while holding the lock', () => {
  it.each(['ts', 'go'] as const)('%s killed mid-ADD leaves no lock; the next ADDs succeed', async (which) => {
    const impl = which === 'ts' ? ours : go;
    const env = testEnv();
    const dir = dataDir();
    const c = conf(dir, '10.62.0.0/24');
    // Many files make the duplicate check walk long enough to be caught holding the lock.
    mkdirSync(join(dir, 'conc'), { recursive: true });
    for (let i = 0; i < 40_000; i++) writeFileSync(join(dir, 'conc', `junk-${i}`), 'x');
    const lockPath = join(dir, 'conc', 'lock');
    writeFileSync(lockPath, '');

    let caught = false;
    for (let attempt = 0; attempt < 5 && !caught; attempt++) {
      const [file, ...args] = impl.argv as [string, ...string[]];
      const child = spawn(file, args, {
        env: cniEnv({ command: 'ADD', containerId: `victim${attempt}`, netns: env.container.path }),
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      child.stdin.end(JSON.stringify(c));
      const exited = new Promise<NodeJS.Signals | null>((r) => child.on('exit', (_code, sig) => r(sig)));
      const deadline = Date.now() + 10_000;
      let running = true;
      void exited.then(() => (running = false));
      while (running && Date.now() < deadline) {
        if (lockHolders(lockPath).includes(child.pid as number)) {
          child.kill('SIGKILL');
          caught = (await exited) === 'SIGKILL';
          break;
        }
        await new Promise((r) => setTimeout(r, 1));
      }
      if (running) child.kill('SIGKILL');
      await exited;
    }
    expect(caught, 'never caught the process holding the lock').toBe(true);
    expect(lockHolders(lockPath)).toEqual([]);

    // both implementations can allocate right away
    for (const next of [ours, go]) {
      const t0 = Date.now();
      const r = runSync(next, { command: 'ADD', containerId: `after-${next.name}`, netns: env.container.path }, c);
      expect(r.code, r.stdout).toBe(0);
      expect(Date.now() - t0).toBeLessThan(20_000);
    }
  });
});
