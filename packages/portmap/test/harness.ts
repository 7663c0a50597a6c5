// A pod network in throwaway namespaces, as podman/containerd build one before portmap runs:
// a "host" with bridge cni0 (10.98.0.1/24, fd98::1/64), a container on it (eth0 10.98.0.5,
// fd98::5) serving HTTP on port 80, and a client namespace routed through the host
// (10.97.0.2 -> host 10.97.0.1). Only addresses inside these namespaces are used.
import { execIn, iptablesSave, must, run, testEnv, type TestEnv } from '@cni-ts/testkit';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onTestFinished } from 'vitest';

export const CTR4 = '10.98.0.5';
export const CTR6 = 'fd98::5';
export const HOST4 = '10.97.0.1';

export interface PodNet {
  env: TestEnv;
  client: string;
  prevResult: Record<string, unknown>;
}

const ip = (ns: string, ...args: string[]) => must('ip', ['-n', ns, ...args]);

export function podNet(opts: { serve?: boolean } = {}): PodNet {
  const env = testEnv();
  const h = env.host.name;
  const c = env.container.name;
  const client = env.extra('cli').name;
  ip(h, 'link', 'set', 'lo', 'up');
  ip(h, 'link', 'add', 'cni0', 'type', 'bridge');
  ip(h, 'addr', 'add', '10.98.0.1/24', 'dev', 'cni0');
  ip(h, 'addr', 'add', 'fd98::1/64', 'dev', 'cni0', 'nodad');
  ip(h, 'link', 'set', 'cni0', 'up');
  ip(h, 'link', 'add', 'veth0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', c);
  ip(h, 'link', 'set', 'veth0', 'master', 'cni0', 'up');
  // hairpinMode as podman's bridge sets it: with br_netfilter, the DNAT back into the bridge is bridged
  ip(h, 'link', 'set', 'veth0', 'type', 'bridge_slave', 'hairpin', 'on');
  ip(c, 'link', 'set', 'lo', 'up');
  ip(c, 'addr', 'add', `${CTR4}/24`, 'dev', 'eth0');
  ip(c, 'addr', 'add', `${CTR6}/64`, 'dev', 'eth0', 'nodad');
  ip(c, 'link', 'set', 'eth0', 'up');
  ip(c, 'route', 'add', 'default', 'via', '10.98.0.1');
  ip(c, '-6', 'route', 'add', 'default', 'via', 'fd98::1');
  ip(h, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', client);
  ip(h, 'addr', 'add', `${HOST4}/24`, 'dev', 'up0');
  ip(h, 'link', 'set', 'up0', 'up');
  ip(client, 'link', 'set', 'lo', 'up');
  ip(client, 'addr', 'add', '10.97.0.2/24', 'dev', 'eth0');
  ip(client, 'link', 'set', 'eth0', 'up');
  ip(client, 'route', 'add', 'default', 'via', HOST4);
  execIn(h, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1']);
  if (opts.serve) serve(env, c);
  const prevResult = {
    cniVersion: '1.0.0',
    interfaces: [
      { name: 'cni0', mac: '00:00:00:00:00:01' },
      { name: 'eth0', sandbox: env.container.path },
    ],
    ips: [
      { address: `${CTR4}/24`, gateway: '10.98.0.1', interface: 1 },
      { address: `${CTR6}/64`, gateway: 'fd98::1', interface: 1 },
    ],
  };
  return { env, client, prevResult };
}

/** busybox httpd on port 80 in the container, answering "hello from the container". */
function serve(env: TestEnv, ns: string): void {
  const dir = mkdtempSync(join(tmpdir(), 'cnits-pm-'));
  writeFileSync(join(dir, 'index.html'), 'hello from the container\n');
  must('ip', ['netns', 'exec', ns, 'busybox', 'httpd', '-p', '80', '-h', dir]);
  onTestFinished(() => {
    // httpd daemonised inside the namespace: end it by its pid (found through the netns).
    const pids = run('ip', ['netns', 'pids', ns]).stdout.split('\n').filter(Boolean);
    for (const pid of pids) run('kill', [pid]);
    run('rm', ['-rf', dir]);
  });
  void env;
}

/** One HTTP GET from `ns`; the body, or '' when it failed. */
export function get(ns: string, url: string, extra: string[] = []): string {
  const r = run('ip', ['netns', 'exec', ns, 'curl', '-sS', '--max-time', '3', ...extra, url]);
  return r.status === 0 ? r.stdout : '';
}

/** iptables-save of both families (testkit's, without the timestamp comments). */
export const rulesOf = (ns: string) => `${iptablesSave(ns, 4)}\n${iptablesSave(ns, 6)}`;
