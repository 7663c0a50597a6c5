import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';
import { KERNEL_INCLUDE } from './tools/kernel/suite.mjs';

// Workspace packages export `source` -> src/*.ts so tests run against sources, never stale dist/.
const conditions = ['source', 'node', 'import', 'default'];

const shared = {
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['source'] } },
};

// Tests start our plugins, the API stand-in and other helpers from their TypeScript sources
// (node --import ts-hooks.mjs): without a cache, every such process strips the types of and
// compiles every module again (~2 s of CPU for a tuning ADD, ~0.6 s with the cache). Node checks
// each entry against its source, so the cache is kept across runs.
const compileCache = { NODE_COMPILE_CACHE: join(import.meta.dirname, 'node_modules/.cache/node-compile') };

// Root suites: one fork per file (setns moves only the calling thread; a stuck namespace dies
// with its fork). Each test builds its own throwaway "host" and "container" namespaces through
// @cni-ts/testkit, so files may run in parallel without touching the real host.
const rootSuite = {
  pool: 'forks' as const,
  isolate: true,
  testTimeout: 60_000,
  hookTimeout: 60_000,
  globalSetup: ['packages/testkit/src/tmp-setup.ts', 'packages/testkit/src/global-setup.ts'],
  env: compileCache,
  // The catalog of our plugins (what the binary's entry installs), for in-process runs from source.
  setupFiles: ['packages/testkit/src/catalog-setup.ts'],
};

// CNI_TS_E2E_WORKERS overrides (1 runs the e2e files one at a time, as before).
const E2E_WORKERS = Number(process.env.CNI_TS_E2E_WORKERS) || Math.max(4, 2 * availableParallelism());

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
          env: compileCache,
          setupFiles: ['packages/testkit/src/catalog-setup.ts'],
          testTimeout: 20_000,
        },
      },
      {
        ...shared,
        test: {
          name: 'e2e',
          include: ['packages/*/test/**/*.e2e.ts', 'e2e/src/**/*.e2e.ts'],
          ...rootSuite,
          // An e2e file mostly waits (process starts, daemons, API stand-in, kernel round trips),
          // and each test has namespaces of its own: run more files at once than there are
          // cores (vitest's default is cores - 1, one file at a time on a 2-core machine).
          maxWorkers: E2E_WORKERS,
          // Its own group, so that a run of several projects may use other worker counts.
          sequence: { groupOrder: 1 },
        },
      },
      {
        ...shared,
        test: {
          name: 'kernel',
          include: KERNEL_INCLUDE,
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
          // The release artifacts on clean debootstrap'd roots (tools/release): builds both
          // architectures' binaries unless out/release holds this commit's; one file at a time.
          name: 'release',
          include: ['tools/release/**/*.release.ts'],
          ...rootSuite,
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 3_600_000,
        },
      },
      {
        ...shared,
        test: {
          // The README's command blocks on a fresh clone (tools/test/readme.readme.ts): the set-up
          // installs the workspace and builds the plugin binary, so minutes; blocks in order.
          name: 'readme',
          include: ['tools/test/*.readme.ts'],
          ...rootSuite,
          fileParallelism: false,
          testTimeout: 3_000_000,
          hookTimeout: 600_000,
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
          // Plugins here are the installed binary, run by the runtimes with their environment.
          env: {},
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 600_000,
        },
      },
    ],
  },
});
