// Moved to @cni-ts/testkit (packages/testkit/src/plugin-exec.ts), shared by every plugin's tests.
// Kept for packages/plugin-kit/test/plugin-harness.ts until it imports the testkit.
export { bundlePlugin, GO_DIR, NODE } from '@cni-ts/testkit';
