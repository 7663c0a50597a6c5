// loopback ADD, CHECK (ADD's result as prevResult), DEL in a throwaway namespace.
export default {
  id: 'loopback',
  root: true,
  setup(ctx) {
    return { ns: ctx.netns('lo') };
  },
  plans(ctx, { ns }) {
    const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'bench-lo', type: 'loopback' });
    return ctx.impls(['cni-ts', 'cni-ts served', 'Go']).map((impl) => {
      const bin = ctx.bin(impl, 'loopback');
      if (!bin) return { impl, steps: [] };
      const env = (cmd) => ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'bench-lo', CNI_NETNS: ns.path, CNI_IFNAME: 'lo', CNI_PATH: ctx.dir(impl) });
      return {
        impl,
        steps: [
          { row: 'loopback ADD', jobs: [{ cmd: [bin], env: env('ADD'), stdin }] },
          {
            row: 'loopback CHECK',
            jobs: [{ cmd: [bin], env: env('CHECK'), stdin: (out) => JSON.stringify({ ...JSON.parse(stdin), prevResult: JSON.parse(out['loopback ADD'][0]) }) }],
          },
          { row: 'loopback DEL', jobs: [{ cmd: [bin], env: env('DEL'), stdin }] },
        ],
      };
    });
  },
  teardown(ctx, { ns }) {
    ctx.deleteNetns(ns);
  },
};
