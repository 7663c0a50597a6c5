// vrf as a chained plugin: ADD (a VRF created, the container's eth0 enslaved) and DEL (freed, the
// empty VRF removed), the previous plugin's result given as prevResult. Needs a kernel with vrf.
import { kernelGap } from './main-ipam.mjs';

export default {
  id: 'vrf',
  root: true,
  setup(ctx) {
    const host = ctx.netns('vrfh');
    const container = ctx.netns('vrfc');
    ctx.ip(container, 'link', 'add', 'eth0', 'type', 'veth', 'peer', 'name', 'peer0');
    ctx.ip(container, 'addr', 'add', '10.72.0.2/24', 'dev', 'eth0');
    return { host, container, unavailable: kernelGap(ctx, container, ['type', 'vrf', 'table', '4000']) };
  },
  plans(ctx, { host, container }) {
    const prevResult = { cniVersion: '1.0.0', interfaces: [{ name: 'eth0', sandbox: container.path }], ips: [{ address: '10.72.0.2/24', interface: 0 }] };
    const conf = { cniVersion: '1.0.0', name: 'bench-vrf', type: 'vrf', vrfname: 'blue', prevResult };
    return ctx.impls(['cni-ts', 'Go']).map((impl) => {
      const bin = ctx.bin(impl, 'vrf');
      if (!bin) return { impl, steps: [] };
      const env = (cmd) => ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'bench-vrf', CNI_NETNS: container.path, CNI_IFNAME: 'eth0', CNI_PATH: ctx.dir(impl) });
      return {
        impl,
        steps: [
          { row: 'vrf ADD', netns: host.path, jobs: [{ cmd: [bin], env: env('ADD'), stdin: JSON.stringify(conf) }] },
          { row: 'vrf DEL', netns: host.path, jobs: [{ cmd: [bin], env: env('DEL'), stdin: JSON.stringify(conf) }] },
        ],
      };
    });
  },
  teardown(ctx, { host, container }) {
    ctx.deleteNetns(container);
    ctx.deleteNetns(host);
  },
};
