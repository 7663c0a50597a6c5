// The chain: the `cni-ts` CLI (@cni-ts/chain's CniConfig, run by plain Node from its dist/) ADDs
// and DELs a plugin list in a throwaway "host" namespace: bridge with host-local, tuning and
// loopback (`chain`), and podman's bridge network with a published port — bridge, portmap,
// firewall, tuning (`podman`). `cni-ts`: our plugins, run in-process (default) or exec'd (`--exec`); `Go`: the same
// CLI with CNI_PATH at the Go plugins (all exec'd), i.e. what swapping the plugins alone changes.
// The CLI is plain Node without a code cache: its own start-up is part of every number.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../build/build.mjs';

const CLI = join(ROOT, 'packages/chain/dist/cli.mjs');

const lists = {
  chain: {
    row: 'chain bridge+tuning+loopback',
    plugins: (dir) => [
      { type: 'bridge', bridge: 'cbr0', isGateway: true, ipam: { type: 'host-local', subnet: '10.83.0.0/24', dataDir: join(dir, 'ipam') } },
      { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.rp_filter': '2' } },
      { type: 'loopback' },
    ],
    env: {},
  },
  // What `podman network create` writes (cniVersion 0.4.0), and `podman run -p 18080:80`'s capability.
  podman: {
    row: 'chain podman bridge+portmap+firewall+tuning -p',
    plugins: (dir) => [
      { type: 'bridge', bridge: 'cbr1', isGateway: true, ipMasq: true, hairpinMode: true, ipam: { type: 'host-local', ranges: [[{ subnet: '10.84.0.0/24', gateway: '10.84.0.1' }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: join(dir, 'ipam') } },
      { type: 'portmap', capabilities: { portMappings: true } },
      { type: 'firewall', backend: '' },
      { type: 'tuning' },
    ],
    cniVersion: '0.4.0',
    // no system bus: the firewall backend choice asks it, and must not find the machine's firewalld
    env: { CAP_ARGS: JSON.stringify({ portMappings: [{ hostPort: 18080, containerPort: 80, protocol: 'tcp' }] }), DBUS_SYSTEM_BUS_ADDRESS: 'unix:path=/nonexistent/cnits-bench-bus' },
  },
};

const chainCase = (id) => ({
  id,
  root: true,
  runs: 5,
  rssRuns: 1,
  setup(ctx) {
    return { host: ctx.netns('chh'), containers: [] };
  },
  plans(ctx, state) {
    const { host } = state;
    if (!existsSync(CLI)) return [];
    const variants = [
      { impl: 'cni-ts', mode: 'in-process', flags: [] },
      { impl: 'cni-ts', mode: 'exec', flags: ['--exec'] },
      { impl: 'cni-ts served', mode: 'exec', flags: ['--exec'] },
      { impl: 'Go', mode: 'exec', flags: [] },
    ];
    const plans = [];
    for (const v of variants) {
      if (!ctx.impls([v.impl]).length || !ctx.bin(v.impl, 'bridge')) continue;
      const tag = `${v.impl}-${v.mode}`.replaceAll(' ', '-');
      const dir = join(ctx.tmp, `${id}-${tag}`);
      mkdirSync(join(dir, 'net.d'), { recursive: true });
      const l = lists[id];
      if (l.plugins(dir).some((p) => !ctx.bin(v.impl, p.type))) continue;
      const list = { cniVersion: l.cniVersion ?? '1.0.0', name: 'bench-chain', plugins: l.plugins(dir) };
      // A container namespace per variant: one implementation's failure (an eth0 left behind)
      // once failed every later ADD of every implementation in a shared one.
      const container = ctx.netns(`chc${state.containers.length}`);
      state.containers.push(container);
      writeFileSync(join(dir, 'net.d/10-bench.conflist'), JSON.stringify(list));
      const env = ctx.env({ NETCONFPATH: join(dir, 'net.d'), CNI_PATH: ctx.dir(v.impl), ...l.env });
      const job = (cmd) => ({ cmd: [ctx.node, CLI, cmd, 'bench-chain', container.path, '--cache-dir', join(dir, 'cache'), ...v.flags], env });
      // Go's exec'd plugins share the exec row: cni-ts ÷ Go is then plugins exec'd against plugins exec'd.
      const row = `${l.row} ${v.mode} `;
      plans.push({
        impl: v.impl,
        steps: [
          { row: `${row}ADD`, netns: host.path, jobs: [job('add')] },
          { row: `${row}DEL`, netns: host.path, jobs: [job('del')] },
        ],
      });
    }
    return plans;
  },
  teardown(ctx, { host, containers }) {
    for (const c of containers) ctx.deleteNetns(c);
    ctx.deleteNetns(host);
  },
});

export default chainCase('chain');
export const podman = chainCase('podman');
