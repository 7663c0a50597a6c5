// macvlan with host-local IPAM: ADD then DEL of a container interface on a veth "uplink" in a
// throwaway host namespace. The plugin runs inside that namespace, as a runtime would run it on
// the host; each implementation delegates to its own host-local through CNI_PATH.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export default {
  id: 'macvlan',
  root: true,
  setup(ctx) {
    const host = ctx.netns('mvhost');
    const container = ctx.netns('mvctr');
    ctx.ip(host, 'link', 'add', 'up0', 'type', 'veth', 'peer', 'name', 'up0p');
    ctx.ip(host, 'link', 'set', 'up0', 'up');
    ctx.ip(host, 'link', 'set', 'up0p', 'up');
    return { host, container };
  },
  plans(ctx, { host, container }) {
    return ctx.impls(['cni-ts', 'Go']).map((impl) => {
      const bin = ctx.bin(impl, 'macvlan');
      if (!bin || !ctx.bin(impl, 'host-local')) return { impl, steps: [] };
      const dataDir = join(ctx.tmp, `macvlan-${impl.replaceAll(' ', '-')}`);
      mkdirSync(dataDir, { recursive: true });
      const stdin = JSON.stringify({
        cniVersion: '1.0.0',
        name: 'bench-mv',
        type: 'macvlan',
        master: 'up0',
        mode: 'bridge',
        ipam: { type: 'host-local', subnet: '10.78.0.0/16', dataDir },
      });
      const env = (cmd) => ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'bench-mv', CNI_NETNS: container.path, CNI_IFNAME: 'eth0', CNI_PATH: ctx.dir(impl) });
      return {
        impl,
        steps: [
          { row: 'macvlan+host-local ADD', netns: host.path, jobs: [{ cmd: [bin], env: env('ADD'), stdin }] },
          { row: 'macvlan+host-local DEL', netns: host.path, jobs: [{ cmd: [bin], env: env('DEL'), stdin }] },
        ],
      };
    });
  },
  teardown(ctx, { host, container }) {
    ctx.deleteNetns(container);
    ctx.deleteNetns(host);
  },
};
