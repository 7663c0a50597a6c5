// '@cni-ts/testkit/multus': what the multus and multus-thick tests share (apart from the main
// entry, which must not load Multus): multus run as a process, the API server, the scenario.
export * from './harness';
export * from './cluster';
export * from './scenario';
export * from './pod-resources';
