// A main plugin with host-local IPAM (the pairs a runtime actually runs): ADD, CHECK, DEL of a
// container interface, the plugin running inside a throwaway "host" namespace as a runtime would
// run it on the host, each implementation delegating to its own host-local through CNI_PATH.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Whether this kernel can make a link of `kind` (8021q, dummy and vrf are modules some kernels
 * lack): tried in the case's own namespace; the reason to show in the rows when not.
 */
export function kernelGap(ctx, ns, args) {
  const kind = args[args.indexOf('type') + 1];
  const r = spawnSync('ip', ['-n', ns.name, 'link', 'add', 'benchprobe0', ...args], { encoding: 'utf8' });
  if (r.status !== 0) return `n/a: no ${kind} in this kernel (${(r.stderr || '').trim() || `exit ${r.status}`})`;
  ctx.ip(ns, 'link', 'del', 'benchprobe0');
  return undefined;
}

/**
 * @param {string} type the main plugin
 * @param {object} config its fields besides cniVersion, name, type, ipam (`up0` is a veth uplink in
 *   the host namespace)
 * @param {string[]} [probe] a link the kernel must be able to make: `ip link add <name>` arguments, e.g. ['link', 'up0', 'type', 'vlan', 'id', '4000']
 */
function mainWithHostLocal(type, config, subnet, probe) {
  return {
    id: `${type}+host-local`,
    root: true,
    setup(ctx) {
      const host = ctx.netns(`${type.slice(0, 4)}h`);
      const container = ctx.netns(`${type.slice(0, 4)}c`);
      ctx.ip(host, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0p');
      ctx.ip(host, 'link', 'set', 'up0', 'up');
      ctx.ip(host, 'link', 'set', 'up0p', 'up');
      const unavailable = probe ? kernelGap(ctx, host, probe) : undefined;
      return { host, container, unavailable };
    },
    plans(ctx, { host, container }) {
      return ctx.impls(['cni-ts', 'cni-ts served', 'Go']).map((impl) => {
        const bin = ctx.bin(impl, type);
        if (!bin || !ctx.bin(impl, 'host-local')) return { impl, steps: [] };
        const dataDir = join(ctx.tmp, `${type}-${impl.replaceAll(' ', '-')}`);
        mkdirSync(dataDir, { recursive: true });
        const conf = { cniVersion: '1.0.0', name: `bench-${type}`, type, ...config, ipam: { type: 'host-local', subnet, dataDir } };
        const env = (cmd) => ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: `bench-${type}`, CNI_NETNS: container.path, CNI_IFNAME: 'eth0', CNI_PATH: ctx.dir(impl) });
        const row = `${type}+host-local`;
        return {
          impl,
          steps: [
            { row: `${row} ADD`, netns: host.path, jobs: [{ cmd: [bin], env: env('ADD'), stdin: JSON.stringify(conf) }] },
            {
              row: `${row} CHECK`,
              netns: host.path,
              jobs: [{ cmd: [bin], env: env('CHECK'), stdin: (out) => JSON.stringify({ ...conf, prevResult: JSON.parse(out[`${row} ADD`][0]) }) }],
            },
            { row: `${row} DEL`, netns: host.path, jobs: [{ cmd: [bin], env: env('DEL'), stdin: JSON.stringify(conf) }] },
          ],
        };
      });
    },
    teardown(ctx, { host, container }) {
      ctx.deleteNetns(container);
      ctx.deleteNetns(host);
    },
  };
}

export const macvlan = mainWithHostLocal('macvlan', { master: 'up0', mode: 'bridge' }, '10.78.0.0/16');
export const bridge = mainWithHostLocal('bridge', { bridge: 'benchbr0', isGateway: true }, '10.79.0.0/16');
export const ptp = mainWithHostLocal('ptp', { ipMasq: false }, '10.77.0.0/16');
export const vlan = mainWithHostLocal('vlan', { master: 'up0', vlanId: 100 }, '10.75.0.0/16', ['link', 'up0', 'type', 'vlan', 'id', '4000']);
export const dummy = mainWithHostLocal('dummy', {}, '10.74.0.0/16', ['type', 'dummy']);
export const tap = mainWithHostLocal('tap', { multiQueue: true }, '10.73.0.0/16');
