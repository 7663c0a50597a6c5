import { defineConfig } from 'vitest/config';

// Workspace packages export `source` -> src/*.ts so tests run against sources, never stale dist/.
const conditions = ['source', 'node', 'import', 'default'];

const shared = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
};

// Root suites: one fork per file (setns moves only the calling thread; a stuck namespace dies
// with its fork). Each test builds its own throwaway "host" and "container" namespaces through
// @cni-ts/testkit, so files may run in parallel without touching the real host.
const rootSuite = {
  pool: 'forks' as const,
  isolate: true,
  testTimeout: 60_000,
  hookTimeout: 60_000,
  globalSetup: ['packages/testkit/src/tmp-setup.ts', 'packages/testkit/src/global-setup.ts'],
};

export default defineConfig({
  ...shared,
  test: {
    projects: [
      {
        ...shared,
        test: {
          name: 'unit',
          include: ['packages/*/src/**/*.test.ts', 'tools/**/*.test.ts', 'e2e/src/k8s-stub/**/*.test.ts'],
          globalSetup: ['packages/testkit/src/tmp-setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['packages/*/test/**/*.e2e.ts', 'e2e/src/**/*.e2e.ts'],
          ...rootSuite,
        },
      },
      {
        ...shared,
        test: {
          name: 'kernel',
          include: ['packages/*/test/**/*.kernel.ts', 'e2e/src/**/*.kernel.ts'],
          ...rootSuite,
          // UML is a single slow CPU: run files one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        ...shared,
        test: {
          // Real runtimes (podman, containerd CRI) on the Go oracle's plugins and ours: one file at a
          // time (each starts daemons), generous timeouts (the first install may build the binary).
          name: 'runtimes',
          include: ['e2e/src/runtimes/**/*.runtimes.ts'],
          ...rootSuite,
          // Real runtimes keep unix sockets under their state dirs, whose paths must stay short
          // (108 bytes): no per-run TMPDIR here; the suite cleans its own dirs.
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
