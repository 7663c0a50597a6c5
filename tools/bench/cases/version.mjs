// VERSION of every plugin we build, against the Go plugin of the same name and a bare Node start.
export default {
  id: 'version',
  root: false,
  plans(ctx) {
    const rows = ctx.ourPlugins();
    return ctx.impls(['cni-ts', 'cni-ts launcher', 'Go', 'node -e 0']).map((impl) => ({
      impl,
      steps: rows
        .map((name) => {
          const row = `VERSION ${name}`;
          if (impl === 'node -e 0') return { row, jobs: [{ cmd: [ctx.node, '-e', '0'], env: ctx.env({}) }] };
          const bin = ctx.bin(impl, name);
          return bin && { row, jobs: [{ cmd: [bin], env: ctx.env({ CNI_COMMAND: 'VERSION' }) }] };
        })
        .filter(Boolean),
    }));
  },
};
