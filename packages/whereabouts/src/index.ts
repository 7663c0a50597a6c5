// @cni-ts/whereabouts: cluster-wide IPAM compatible with whereabouts (k8snetworkplumbingwg), on
// the Kubernetes API (its IPPool and OverlappingRangeIPReservation CRDs, without its global
// Lease) or on etcd v3.
export { whereabouts } from './plugin';
export { cmdAdd, cmdCheck, cmdDel, cmdGc, nodeName, openStore, StorageError, validAttachments, type IpamDeps, type IpamRequest, type IpamResult } from './ipam';
export { ConfigError, FLAT_FILES, jsonSchema, loadConfig, netConfSchema, type WhereaboutsConfig } from './config';
export { AssignmentError, heldBy, lowestFree, releasable, type Attachment, type Reservation } from './allocate';
export { ipAtOffset, offsetKey, poolName, reservationIP, reservationName } from './names';
export { parseRange, usableBounds, type IpRange } from './range';
export type { Store, StoreOptions } from './store';
export { KubernetesStore, type KubernetesStoreOptions } from './k8s/store';
export { EtcdStore, type EtcdStoreOptions } from './etcd/store';
export { EtcdClient, EtcdError, EtcdUnavailableError, type EtcdClientOptions } from './etcd/client';
