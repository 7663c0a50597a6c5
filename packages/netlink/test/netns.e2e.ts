import { spawn } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLeaks, must, run, testEnv, uniqueName, sysctl } from '@cni-ts/testkit';
import {
  NetnsNotExistError,
  NetnsNotNsError,
  SyscallError,
  createNamedNetns,
  currentNetns,
  deleteNamedNetns,
  openHandle,
  openNetns,
  sameNetns,
  sysctlGet,
  sysctlSet,
  withNetns,
} from '../src/index';

const here = () => readlinkSync('/proc/thread-self/ns/net');
const ORIGINAL = here();

describe('network namespaces', () => {
  checkLeaks();

  it('switches the calling thread in and back out', () => {
    const env = testEnv();
    const ns = openNetns(env.container.path);
    try {
      const inside = withNetns(ns, () => here());
      expect(inside).not.toBe(ORIGINAL);
      expect(sameNetns(ns, env.container.path)).toBe(true);
      expect(sameNetns(ns, '/proc/self/ns/net')).toBe(false);
      expect(here()).toBe(ORIGINAL);
      // nested switches return to the outer namespace, not the process's
      withNetns(ns, () => {
        withNetns(env.host.path, () => expect(sameNetns('/proc/thread-self/ns/net', env.host.path)).toBe(true));
        expect(here()).toBe(inside);
      });
    } finally {
      ns.close();
    }
    expect(ns.fd).toBe(-1);
  });

  it('switches back when the callback throws or returns a promise', () => {
    const env = testEnv();
    expect(() =>
      withNetns(env.container.path, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(here()).toBe(ORIGINAL);
    expect(() => withNetns(env.container.path, async () => 1)).toThrow(/must be synchronous/);
    expect(here()).toBe(ORIGINAL);
  });

  it('keeps the libuv pool in the original namespace', async () => {
    const env = testEnv();
    withNetns(env.container.path, () => here());
    // readlink runs on a pool thread: it must not have been born inside the container.
    const results = await Promise.all(Array.from({ length: 8 }, () => readlink('/proc/thread-self/ns/net')));
    expect(new Set(results)).toEqual(new Set([ORIGINAL]));
  });

  it('reports missing and non-namespace paths like Go ns.GetNS', () => {
    expect(() => openNetns('/run/netns/cnits-does-not-exist')).toThrow(NetnsNotExistError);
    expect(() => openNetns('/run/netns/cnits-does-not-exist')).toThrow(
      'failed to Statfs "/run/netns/cnits-does-not-exist": no such file or directory',
    );
    // (procfs itself is accepted, as in Go: old kernels put ns files there)
    expect(() => openNetns('/etc/hostname')).toThrow(NetnsNotNsError);
    expect(() => openNetns('/etc/hostname')).toThrow(/^unknown FS magic on "\/etc\/hostname": [0-9a-f]+$/);
  });

  it('opens /proc/<pid>/ns/net and the current namespace', () => {
    const cur = currentNetns();
    const self = openNetns(`/proc/${process.pid}/ns/net`);
    try {
      expect(sameNetns(cur, self)).toBe(true);
    } finally {
      cur.close();
      self.close();
    }
  });

  it('creates and deletes a named namespace like ip netns add/delete', () => {
    const name = uniqueName('named');
    const ns = createNamedNetns(name);
    try {
      expect(here()).toBe(ORIGINAL);
      expect(must('ip', ['netns', 'list'])).toContain(name);
      expect(sameNetns(ns, '/proc/self/ns/net')).toBe(false);
      must('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
      expect(() => createNamedNetns(name)).toThrow(SyscallError);
      expect(() => createNamedNetns(name)).toThrow(/^EEXIST creating netns "\/run\/netns\/.*": file exists$/);
    } finally {
      ns.close();
      deleteNamedNetns(name);
    }
    expect(existsSync(join('/run/netns', name))).toBe(false);
    expect(run('ip', ['-n', name, 'link']).status).not.toBe(0);
    deleteNamedNetns(name); // idempotent
  });

  it('a handle keeps its own reference to the namespace it was opened on', () => {
    const env = testEnv();
    const ns = openNetns(env.container.path);
    const h = openHandle(ns);
    ns.close();
    try {
      h.linkAdd({ kind: 'veth', name: 'own0', peer: { name: 'own1' } });
      h.tuntapAdd({ name: 'owntap0' }); // switches into the namespace: needs the handle's own fd
      expect(h.linkList().map((l) => l.name)).toEqual(['lo', 'own1', 'own0', 'owntap0']);
      expect(must('ip', ['-n', env.container.name, '-br', 'link'])).toContain('owntap0');
    } finally {
      h.close();
    }
    expect(h.netns?.fd).toBe(-1);
  });

  it('reads and writes sysctls inside a namespace', () => {
    const env = testEnv();
    const ns = openNetns(env.container.path);
    try {
      sysctlSet('net.ipv4.ip_forward', '1', ns);
      expect(sysctl(env.container.name, 'net/ipv4/ip_forward')).toBe('1');
      expect(sysctlGet('net.ipv4.ip_forward', ns)).toBe('1');
      expect(sysctl(env.host.name, 'net/ipv4/ip_forward')).toBe('0');
      must('ip', ['-n', env.container.name, 'link', 'add', 'eth0.100', 'type', 'veth', 'peer', 'name', 'p0']);
      sysctlSet('net/ipv4/conf/eth0.100/arp_notify', 1, ns);
      expect(sysctlGet('net.ipv4.conf.eth0/100.arp_notify', ns)).toBe('1');
      expect(() => sysctlGet('net.ipv4.conf.nope0.arp_notify', ns)).toThrow(
        'ENOENT reading sysctl "/proc/sys/net/ipv4/conf/nope0/arp_notify": no such file or directory',
      );
    } finally {
      ns.close();
    }
  });

  it('survives a child killed while switched into a namespace', async () => {
    const env = testEnv();
    const child = spawn(process.execPath, [join(import.meta.dirname, 'helpers/switch-and-hang.mjs'), env.container.path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => d.toString().includes('switched') && resolve());
      child.on('exit', (code) => reject(new Error(`child exited early: ${code}`)));
    });
    const childNs = readlinkSync(`/proc/${child.pid}/task/${child.pid}/ns/net`);
    expect(sameNetns(`/proc/${child.pid}/task/${child.pid}/ns/net`, env.container.path)).toBe(true);
    child.kill('SIGKILL');
    await new Promise((resolve) => child.on('exit', resolve));
    expect(childNs).not.toBe(ORIGINAL);
    expect(here()).toBe(ORIGINAL);
    // the namespace it was in is intact and still ours to delete (testEnv does so)
    must('ip', ['-n', env.container.name, 'link', 'show', 'lo']);
  });

  it('is still in the original namespace after the killed child', () => {
    expect(here()).toBe(ORIGINAL);
    expect(sameNetns('/proc/thread-self/ns/net', '/proc/self/ns/net')).toBe(true);
  });
});
