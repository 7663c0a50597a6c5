// @cni-ts/multus-service: Services on Multus secondary networks. The EndpointSlice controller
// (slices from the pods' network-status) and, per node, the proxy that programs each client
// pod's netns (nftables through @cni-ts/netlink, or iptables-restore).
export * from './constants';
export type { Endpoint, EndpointPort, EndpointSlice, Pod, Service, ServicePort } from './kube-types';
export { serviceNetwork, networkStatus, attachmentsTo, type Attachment, type NetworkRef } from './network';
export { serviceFamilies, endpointPorts, podEndpoint, podReady, selectedPods } from './endpoints';
export { planSlices, sliceLabels, type SlicePlan } from './slices';
export { ServiceController, isMultusService, type ControllerOptions } from './controller';
export { WorkQueue } from './queue';
export { MultusProxy, type ProxyOptions } from './proxy/proxy';
export type { RuleBackend } from './proxy/backend';
export { NftablesBackend, NFT_TABLE } from './proxy/nftables';
export { IptablesBackend } from './proxy/iptables';
export { CniCacheResolver, type NetnsResolver } from './proxy/netns';
export { podPlan, staleFlows, type PodPlan, type ServicePortPlan, type RoutePlan } from './proxy/plan';
export { ROUTE_PROTOCOL } from './proxy/routes';
