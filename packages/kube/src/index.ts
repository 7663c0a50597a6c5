// @cni-ts/kube: the Kubernetes API as plugins reach it (Multus, whereabouts). Our own kubeconfig
// and in-cluster connection for the common cases; @kubernetes/client-node only as the fallback.
export { loadKubeClient, loadWithClientNode, clientForConnection, clientNodeImportMs, type ClientSource, type KubeClient, type KubeObject, type RequestOptions, type Watch, type WatchEvent, type WatchOptions } from './client';
export { ConnectionOptions, type Connection, type ConnectionTuning, type Material } from './connection';
export { RateLimiter, MULTUS_QPS, MULTUS_BURST } from './ratelimit';
export { ApiError, TransportError, transportError, isConflict, isNotFound, isRetriable, isUnauthorized } from './errors';
export { inClusterConnection, SERVICE_ACCOUNT_DIR, type InClusterPaths } from './incluster';
export { connectionFromKubeconfig, readKubeconfig, KubeconfigError } from './kubeconfig';
export { TokenFile } from './token-file';
export { Informer, objectKey, type InformerHandler, type InformerOptions } from './informer';
export { objectEvent, type EventType } from './events';
export { ProtoMessage, ProtoWriter } from './protobuf';
export { certificateRequest, parseCertificateRequest, der, encodeName, readTlv, children, toPem, fromPem, OID, type ParsedRequest, type Tlv } from './x509';
