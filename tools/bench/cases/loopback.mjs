// loopback ADD then DEL in a throwaway namespace, repeated.
export default {
  id: 'loopback',
  root: true,
  setup(ctx) {
    return { ns: ctx.netns('lo') };
  },
  plans(ctx, { ns }) {
    const stdin = JSON.stringify({ cniVersion: '1.0.0', name: 'bench-lo', type: 'loopback' });
    return ctx.impls(['cni-ts', 'Go']).map((impl) => {
      const bin = ctx.bin(impl, 'loopback');
      if (!bin) return { impl, steps: [] };
      const env = (cmd) => ctx.env({ CNI_COMMAND: cmd, CNI_CONTAINERID: 'bench-lo', CNI_NETNS: ns.path, CNI_IFNAME: 'lo', CNI_PATH: ctx.dir(impl) });
      return {
        impl,
        steps: [
          { row: 'loopback ADD', jobs: [{ cmd: [bin], env: env('ADD'), stdin }] },
          { row: 'loopback DEL', jobs: [{ cmd: [bin], env: env('DEL'), stdin }] },
        ],
      };
    });
  },
  teardown(ctx, { ns }) {
    ctx.deleteNetns(ns);
  },
};
