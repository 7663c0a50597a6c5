// @cni-ts/multus: Multus CNI (thin mode) as a cni-ts plugin.
export { multus, createMultus, DEFAULT_OPTIONS, type MultusOptions, type MultusPlugin, type HotplugInput } from './plugin';
export { visibleNetns } from './netns';
export { LIVE, TOO_LARGE, type KubeSource, type ObjectCache } from './k8s/source';
export { ConfigBudget, DEFAULT_LIMITS, SizeLimitError, type ConfigLimits } from './limits';
export { netConfSchema, jsonSchema, loadNetConf, LoadNetConfError, type NetConf, type RawNetConf, type RuntimeConfig } from './config';
export {
  parseNetworkAnnotation,
  parseNetworkObjectName,
  AnnotationError,
  NETWORKS_ANNOTATION,
  DEFAULT_NETWORK_ANNOTATION,
  NETWORK_STATUS_ANNOTATION,
  RESOURCE_NAME_ANNOTATION,
  type NetworkSelectionElement,
} from './annotations';
export { createNetworkStatuses, formatNetworkStatus, normalizeDeviceInfo, type NetworkStatus, type DeviceInfo } from './status';
export { loadDelegateNetConf, loadDelegateNetConfFromConfList, type DelegateNetConf } from './delegate';
export { readScratch, saveDelegates, delegateJson, scratchPath } from './cache';
export { delegateArgs, ifnameFor, runtimeFor, type K8sArgs } from './runtime';
export { checkpointResourceMap, podResourceMap, DEFAULT_CHECKPOINT_FILE, DEFAULT_POD_RESOURCES_SOCKET } from './resources';
export { POD_RESOURCES_LIST } from './podresources';
export { Logger, type Level } from './logging';
export { loadKubeClient, clientNodeImportMs, type KubeClient, type KubeObject } from '@cni-ts/kube';
