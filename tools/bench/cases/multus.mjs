// Multus (thin plugin, no API server: the inline `delegates` form) with 1, 2 and 4 delegates, each
// a bridge (the first with host-local, as the cluster network; the others L2 only, net1..net3).
// Delegates run in-process (the default: they are links to our binary) or exec'd
// (CNI_TS_MULTUS_EXEC=1). The Go oracle has no Multus, so only our column is filled.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

function multus(n) {
  return {
    id: `multus-${n}`,
    root: true,
    runs: 5,
    rssRuns: 1,
    setup(ctx) {
      return { host: ctx.netns(`m${n}h`), container: ctx.netns(`m${n}c`) };
    },
    plans(ctx, { host, container }) {
      return ctx.impls(['cni-ts', 'cni-ts served']).map((impl) => ({ impl, steps: stepsOf(ctx, impl, host, container) }));
    },
    teardown(ctx, { host, container }) {
      ctx.deleteNetns(container);
      ctx.deleteNetns(host);
    },
  };

  function stepsOf(ctx, impl, host, container) {
    const bin = ctx.bin(impl, 'multus');
    if (!bin || !ctx.bin(impl, 'bridge')) return [];
    const steps = [];
    for (const mode of ['in-process', 'exec']) {
      const dir = join(ctx.tmp, `multus-${n}-${mode}-${impl.replaceAll(' ', '-')}`);
      mkdirSync(dir, { recursive: true });
      const delegates = Array.from({ length: n }, (_, i) => ({
        cniVersion: '1.0.0',
        name: `d${i}`,
        type: 'bridge',
        bridge: `mbr${i}`,
        ...(i === 0 ? { ipam: { type: 'host-local', subnet: '10.84.0.0/24', dataDir: join(dir, 'ipam') } } : {}),
      }));
      const conf = { cniVersion: '1.0.0', name: 'bench-multus', type: 'multus', cniDir: join(dir, 'cache'), binDir: ctx.dir(impl), delegates };
      const env = (cmd) =>
        ctx.env({
          CNI_COMMAND: cmd,
          CNI_CONTAINERID: `bench-multus-${n}`,
          CNI_NETNS: container.path,
          CNI_IFNAME: 'eth0',
          CNI_PATH: ctx.dir(impl),
          ...(mode === 'exec' ? { CNI_TS_MULTUS_EXEC: '1' } : {}),
        });
      const row = `multus ${n} delegate${n > 1 ? 's' : ''} ${mode}`;
      steps.push(
        { row: `${row} ADD`, netns: host.path, jobs: [{ cmd: [bin], env: env('ADD'), stdin: JSON.stringify(conf) }] },
        { row: `${row} DEL`, netns: host.path, jobs: [{ cmd: [bin], env: env('DEL'), stdin: JSON.stringify(conf) }] },
      );
    }
    return steps;
  }
}

export const one = multus(1);
export const two = multus(2);
export const four = multus(4);
