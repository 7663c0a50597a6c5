// Meta plugins chained after a main plugin's veth (made once in setup, as ptp or bridge would):
// bandwidth ADD (TBF, IFB, filter) and DEL; sbr ADD (rule, table, route moves) and DEL. The
// prevResult is fixed, so each iteration measures the plugin alone. Both DELs leave state the
// main plugin's DEL would remove (as upstream): bandwidth the TBF and ingress qdiscs on the host
// veth (the next ADD would fail with "file exists"), sbr the container's routes moved out of the
// main table (the next ADD finds no connected route for its gateway). An untimed reset step
// puts that back after each DEL; sbr's later iterations pick the next free table.
const PREV = (netns) => ({
  cniVersion: '1.0.0',
  interfaces: [{ name: 'benchh0' }, { name: 'eth0', sandbox: netns }],
  ips: [{ address: '10.76.0.2/24', gateway: '10.76.0.1', interface: 1 }],
});

const RESET = {
  bandwidth: { ns: 'host', script: 'tc qdisc del dev benchh0 root 2>/dev/null; tc qdisc del dev benchh0 ingress 2>/dev/null; true' },
  sbr: { ns: 'container', script: 'ip addr del 10.76.0.2/24 dev eth0 && ip addr add 10.76.0.2/24 dev eth0' },
};

function chained(type, extra) {
  return {
    id: type,
    root: true,
    setup(ctx) {
      const host = ctx.netns(`${type.slice(0, 4)}h`);
      const container = ctx.netns(`${type.slice(0, 4)}c`);
      ctx.ip(host, 'link', 'add', 'benchh0', 'type', 'veth', 'peer', 'name', 'eth0', 'netns', container.name);
      ctx.ip(host, 'link', 'set', 'benchh0', 'up');
      ctx.ip(container, 'link', 'set', 'eth0', 'up');
      ctx.ip(container, 'addr', 'add', '10.76.0.2/24', 'dev', 'eth0');
      return { host, container };
    },
    plans(ctx, { host, container }) {
      const stdin = JSON.stringify({ cniVersion: '1.0.0', name: `bench-${type}`, type, ...extra, prevResult: PREV(container.path) });
      return ctx.impls(['cni-ts', 'Go']).map((impl) => {
        const bin = ctx.bin(impl, type);
        if (!bin) return { impl, steps: [] };
        const env = (cmd) => ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: `bench-${type}`, CNI_NETNS: container.path, CNI_IFNAME: 'eth0', CNI_PATH: ctx.dir(impl) });
        return {
          impl,
          steps: [
            { row: `${type} ADD`, netns: host.path, jobs: [{ cmd: [bin], env: env('ADD'), stdin }] },
            { row: `${type} DEL`, netns: host.path, jobs: [{ cmd: [bin], env: env('DEL'), stdin }] },
            ...(RESET[type] ? [{ row: `${type} reset`, untimed: true, netns: (RESET[type].ns === 'host' ? host : container).path, jobs: [{ cmd: ['/bin/sh', '-c', RESET[type].script], env: ctx.env({}) }] }] : []),
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

export const bandwidth = chained('bandwidth', { ingressRate: 8000000, ingressBurst: 1000000, egressRate: 8000000, egressBurst: 1000000 });
export const sbr = chained('sbr', {});
