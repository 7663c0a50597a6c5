// host-local ADD, CHECK, DEL one at a time, and ADD, DEL 64 at once (kubelet starting many pods), each
// implementation with its own data directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const PARALLEL = 64;

function hostLocal({ parallel, runs, warmup, rssRuns }) {
  const tag = parallel > 1 ? ` ×${parallel} parallel` : '';
  return {
    id: `host-local${parallel > 1 ? '-parallel' : ''}`,
    root: true,
    runs,
    warmup,
    rssRuns,
    setup(ctx) {
      return { ns: ctx.netns('hl') };
    },
    plans(ctx, { ns }) {
      return ctx.impls(['cni-ts', 'cni-ts served', 'Go']).map((impl) => {
        const bin = ctx.bin(impl, 'host-local');
        if (!bin) return { impl, steps: [] };
        const dataDir = join(ctx.tmp, `host-local-${parallel}-${impl.replaceAll(' ', '-')}`);
        mkdirSync(dataDir, { recursive: true });
        const stdin = JSON.stringify({
          cniVersion: '1.0.0',
          name: 'bench-hl',
          type: 'bridge',
          ipam: { type: 'host-local', subnet: '10.77.0.0/16', dataDir },
        });
        const jobs = (cmd) =>
          Array.from({ length: parallel }, (_, i) => ({
            cmd: [bin],
            stdin,
            env: ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: `bench-hl-${i}`, CNI_NETNS: ns.path, CNI_IFNAME: 'eth0', CNI_PATH: ctx.dir(impl) }),
          }));
        const check = {
          row: 'host-local CHECK',
          jobs: jobs('CHECK').map((j) => ({ ...j, stdin: (out) => JSON.stringify({ ...JSON.parse(stdin), prevResult: JSON.parse(out['host-local ADD'][0]) }) })),
        };
        return {
          impl,
          steps: [
            { row: `host-local ADD${tag}`, jobs: jobs('ADD') },
            ...(parallel === 1 ? [check] : []),
            { row: `host-local DEL${tag}`, jobs: jobs('DEL') },
          ],
        };
      });
    },
    teardown(ctx, { ns }) {
      ctx.deleteNetns(ns);
    },
  };
}

export const sequential = hostLocal({ parallel: 1 });
// A 64-process batch of ours takes seconds on two cores (and is its own warm-up); fewer
// repetitions keep the whole bench under five minutes.
// Peak RSS per process is the sequential rows' (the same binary and request).
export const parallel = hostLocal({ parallel: PARALLEL, runs: 3, warmup: 0, rssRuns: 0 });
