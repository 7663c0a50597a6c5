// The seed's three-plugin list, run through our chain (the `cni-ts` CLI, cnitool-compatible):
// macvlan (host-local IPAM on 192.168.12.0/24) + tuning net.core.somaxconn=512 + route-override
// addroutes 192.168.9.0/24 via 192.168.12.1. After ADD the pod namespace has somaxconn 512 and
// the route through the gateway, CHECK passes, and DEL puts tuning's originals back and leaves
// nothing behind. Run twice: plugins in-process (the chain's default for ours) and exec'd.
// The CLI runs inside the test's throwaway "host" namespace; plugins come as source launchers.
import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { checkLeaks, link, must, routes, SOURCE_NODE as SOURCE, sysctl, testEnv, WORKSPACE as ROOT } from '@cni-ts/testkit';
import { afterAll, describe, expect, it } from 'vitest';

checkLeaks(['/run/cni/tuning', '/run/cni/route-override']);


const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tmp(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `cnits-seed-${tag}-`));
  dirs.push(d);
  return d;
}

const q = (s: string) => `'${s.replaceAll("'", `'\\''`)}'`;

/** CNI_PATH with source launchers of our plugins (the marker line makes the chain treat them as ours). */
function pluginDir(): string {
  const dir = tmp('bin');
  for (const type of ['macvlan', 'host-local', 'tuning', 'route-override']) {
    const file = join(dir, type);
    writeFileSync(file, `#!/bin/sh\n# cni-ts ${type} plugin: source launcher for tests\nexec ${SOURCE.map(q).join(' ')} ${q(join(ROOT, 'packages', type, 'src/main.ts'))} "$@"\n`);
    chmodSync(file, 0o755);
  }
  return dir;
}

/** The seed's list; only host-local's dataDir is added (a temp dir instead of /var/lib/cni/networks). */
const seed = (master: string, dataDir: string) => ({
  cniVersion: '1.0.0',
  name: 'macvlan-tuned',
  plugins: [
    {
      type: 'macvlan',
      master,
      mode: 'bridge',
      ipam: { type: 'host-local', dataDir, ranges: [[{ subnet: '192.168.12.0/24', gateway: '192.168.12.1' }]] },
    },
    { type: 'tuning', sysctl: { 'net.core.somaxconn': '512' } },
    { type: 'route-override', addroutes: [{ dst: '192.168.9.0/24', gw: '192.168.12.1' }] },
  ],
});

describe('seed: macvlan + tuning + route-override through the chain', () => {
  for (const mode of ['in-process', 'exec'] as const) {
    it(`ADD, CHECK, DEL (${mode})`, () => {
      const env = testEnv();
      env.hostLink('mvmaster');
      const state = tmp('state');
      const netd = tmp('netd');
      writeFileSync(join(netd, '10-macvlan-tuned.conflist'), JSON.stringify(seed('mvmaster', join(state, 'ipam')), null, 2));
      const vars: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
        NETCONFPATH: netd,
        CNI_PATH: pluginDir(),
        CNI_TS_CACHE_DIR: join(state, 'cache'),
        CNI_IFNAME: 'net1',
        CNI_TS_VERBOSE: '1',
        // tuning's and route-override's records go to a temp dir instead of /run/cni/...
        CNI_TS_TUNING_DATA_DIR: join(state, 'tuning'),
        CNI_TS_ROUTE_OVERRIDE_DATA_DIR: join(state, 'route-override'),
        ...(mode === 'exec' && { CNI_TS_EXEC: '1' }),
      };
      const cli = (...args: string[]) => {
        const r = spawnSync('ip', ['netns', 'exec', env.host.name, ...SOURCE, join(ROOT, 'packages/chain/src/cli.ts'), ...args], { env: vars, encoding: 'utf8', timeout: 120_000 });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
      };
      const pod = env.container.name;
      const original = sysctl(pod, 'net/core/somaxconn');
      expect(original).not.toBe('512');

      const add = cli('add', 'macvlan-tuned', env.container.path);
      expect(add.status, add.stderr).toBe(0);
      const ran = [...add.stderr.matchAll(/^cni-ts: ADD (\S+) (\S+) /gm)].map((m) => `${m[1]} ${m[2]}`);
      expect(ran.filter((r) => !r.startsWith('host-local'))).toEqual(['macvlan', 'tuning', 'route-override'].map((t) => `${t} ${mode}`));
      const result = JSON.parse(add.stdout) as { ips: { address: string; gateway: string }[]; routes: { dst: string; gw?: string }[]; interfaces: { name: string }[] };
      expect(result.ips).toEqual([{ interface: 0, address: '192.168.12.2/24', gateway: '192.168.12.1' }]);
      expect(result.routes).toEqual([{ dst: '192.168.9.0/24', gw: '192.168.12.1' }]);
      expect(result.interfaces.map((i) => i.name)).toEqual(['net1']);

      expect(sysctl(pod, 'net/core/somaxconn')).toBe('512');
      expect(link(pod, 'net1')?.linkinfo?.info_kind).toBe('macvlan');
      expect(routes(pod, 4)).toContainEqual(expect.objectContaining({ dst: '192.168.9.0/24', gateway: '192.168.12.1', dev: 'net1' }));

      const check = cli('check', 'macvlan-tuned', env.container.path);
      expect(check.status, check.stderr).toBe(0);

      const del = cli('del', 'macvlan-tuned', env.container.path);
      expect(del.status, del.stderr).toBe(0);
      expect(sysctl(pod, 'net/core/somaxconn')).toBe(original);
      expect(link(pod, 'net1')).toBeUndefined();
      expect(routes(pod, 4)).toEqual([]);
      for (const d of ['tuning', 'route-override', 'cache/results']) expect(readdirSync(join(state, d)), d).toEqual([]);
      expect(readdirSync(join(state, 'ipam', 'macvlan-tuned')).filter((f) => f !== 'lock' && !f.startsWith('last_reserved_ip'))).toEqual([]);
      must('ip', ['-n', env.host.name, 'link', 'show', 'mvmaster']);
    });
  }
});
