// @cni-ts/multus-thick: Multus thick mode (daemon, shim, node entrypoint).
export { encodeRequest, decodeRequest, parseStrictCniArgs, checkEnv, RequestError, SOCKET_NAME, DEFAULT_SOCKET_DIR, type ApiRequest, type InterfaceAttributes } from './api';
export { daemonConfigSchema, parseDaemonConfig, loadDaemonConfig, overlayConfig, DAEMON_ONLY_KEYS, type DaemonConfig } from './daemon-config';
export { startDaemon, type Daemon, type DaemonOptions } from './server';
export { runDaemon, autoShimConfig, ExitError, type RunningDaemon } from './daemon';
export { serveCni, serveDelegate, visibleNetns, type Answer } from './handler';
export { Metrics } from './metrics';
export { callDaemon, type Reply } from './client';
export { shim, createShim, shimSocket, DEFAULT_SHIM_OPTIONS, type ShimOptions } from './shim';
export { findPrimary, capabilitiesOf, shimConfig, thinConfig, type Primary, type GenerateOptions } from './entrypoint/generate';
export { kubeconfigYaml, syncKubeconfig, SA_DIR } from './entrypoint/kubeconfig';
export { installBinaries } from './entrypoint/install';
export { startEntrypoint, generateOnce, type EntrypointOptions } from './entrypoint/entrypoint';
