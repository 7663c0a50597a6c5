export { testEnv, type TestEnv, type TestNetns } from './env';
export { createNetns, deleteNetns, listTestNetns, netnsPath, reapStaleNetns, uniqueName, NETNS_PREFIX } from './netns';
export {
  addrs,
  execIn,
  ipJson,
  iptablesSave,
  link,
  links,
  nftRuleset,
  ping,
  routes,
  rules,
  sysctl,
  type IpAddrInfo,
  type IpLink,
  type IpRoute,
} from './state';
export { checkLeaks } from './leaks';
export { isRoot, requireRoot, NotRootError } from './root';
export { run, must, type ExecResult } from './_exec';
export {
  bundlePlugin,
  cniEnv,
  goImpl,
  GO_DIR,
  json,
  NODE,
  ROOT,
  runAsync,
  runSync,
  tsImpl,
  type CniEnv,
  type Impl,
  type RunResult,
} from './plugin-exec';
export { callInNetns, sourceImpl, type NetnsCall, type NetnsImpl, type NetnsOut } from './netns-call';
export { until } from './wait';
export { loadManifests, validateManifest, type Manifest } from './manifests';
export { servedDir, servedPlugin, servedSocket, servedStats, startResidentServer, statsAfter, pluginName, SERVED_ENV, type ResidentServerProcess } from './served';
export { ROOT as WORKSPACE, SOURCE_NODE, sourceCommand, writeLauncher, runPlugin, TS_HOOKS, type ProcResult } from './source';
export {
  cni,
  dataDir,
  goPlugin,
  ipamFiles,
  nsState,
  oursIpamDir,
  tsPlugin,
  type LinkState,
  type PluginImpl,
  type TsPluginOptions,
} from './plugin-harness';
export { callEnv, runProc, spawnProc, type CniCall, type ProcOut, type ProcOut as CniOut, type ProcOptions } from './proc';
export { comparable, containerState, runDiffSteps, type ComparableOptions, type DiffRun, type DiffStep } from './differential';
export { tempPaths, underTest, type TempPaths, type UnderTest, type UnderTestOptions } from './under-test';
export { transfer, expectRate, routedPeer } from './traffic';
export { testCA, type TestCA, type IssueOptions } from './pki';
