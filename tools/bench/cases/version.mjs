// VERSION of every plugin we build, against the Go plugin of the same name and a bare Node start.
// `cni-ts` is the default install (native launchers), `cni-ts link` the binary itself under the
// plugin's name (its preamble answers), `cni-ts skeleton` that binary with the early answer
// switched off (CNI_TS_NO_EARLY_VERSION), i.e. VERSION as the skeleton answers it after loading
// the bundle.
export default {
  id: 'version',
  root: false,
  // Five implementations per plugin: fewer repetitions keep the bench within its time budget.
  runs: 10,
  plans(ctx) {
    const rows = ctx.ourPlugins();
    return ctx.impls(['cni-ts', 'cni-ts served', 'cni-ts link', 'cni-ts skeleton', 'Go', 'node -e 0']).map((impl) => ({
      impl,
      steps: rows
        .map((name) => {
          const row = `VERSION ${name}`;
          if (impl === 'node -e 0') return { row, jobs: [{ cmd: [ctx.node, '-e', '0'], env: ctx.env({}) }] };
          const skeleton = impl === 'cni-ts skeleton';
          const bin = ctx.bin(skeleton ? 'cni-ts link' : impl, name);
          const env = ctx.env({ CNI_COMMAND: 'VERSION', ...(skeleton ? { CNI_TS_NO_EARLY_VERSION: '1' } : {}) });
          return bin && { row, jobs: [{ cmd: [bin], env }] };
        })
        .filter(Boolean),
    }));
  },
};
