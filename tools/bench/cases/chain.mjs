// The chain: the `cni-ts` CLI (@cni-ts/chain's CniConfig, run by plain Node from its dist/) ADDs
// and DELs a three-plugin list (bridge with host-local, tuning, loopback) in a throwaway "host"
// namespace. `cni-ts`: our plugins, run in-process (default) or exec'd (`--exec`); `Go`: the same
// CLI with CNI_PATH at the Go plugins (all exec'd), i.e. what swapping the plugins alone changes.
// The CLI is plain Node without a code cache: its own start-up is part of every number.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../../build/build.mjs';

const CLI = join(ROOT, 'packages/chain/dist/cli.mjs');

export default {
  id: 'chain',
  root: true,
  runs: 5,
  rssRuns: 1,
  setup(ctx) {
    return { host: ctx.netns('chh'), container: ctx.netns('chc') };
  },
  plans(ctx, { host, container }) {
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
      const dir = join(ctx.tmp, `chain-${tag}`);
      mkdirSync(join(dir, 'net.d'), { recursive: true });
      const list = {
        cniVersion: '1.0.0',
        name: 'bench-chain',
        plugins: [
          { type: 'bridge', bridge: 'cbr0', isGateway: true, ipam: { type: 'host-local', subnet: '10.83.0.0/24', dataDir: join(dir, 'ipam') } },
          { type: 'tuning', sysctl: { 'net.ipv4.conf.eth0.rp_filter': '2' } },
          { type: 'loopback' },
        ],
      };
      writeFileSync(join(dir, 'net.d/10-bench.conflist'), JSON.stringify(list));
      const env = ctx.env({ NETCONFPATH: join(dir, 'net.d'), CNI_PATH: ctx.dir(v.impl) });
      const job = (cmd) => ({ cmd: [ctx.node, CLI, cmd, 'bench-chain', container.path, '--cache-dir', join(dir, 'cache'), ...v.flags], env });
      // Go's exec'd plugins share the exec row: cni-ts ÷ Go is then plugins exec'd against plugins exec'd.
      const row = `chain bridge+tuning+loopback ${v.mode} `;
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
  teardown(ctx, { host, container }) {
    ctx.deleteNetns(container);
    ctx.deleteNetns(host);
  },
};
