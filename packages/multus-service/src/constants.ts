// The names multus-service agreed on with kube-proxy, the default EndpointSlice controller and
// Multus (k8snetworkplumbingwg/multus-service-archived): kept byte for byte, since other
// components select on them.

/** kube-proxy leaves a Service (and an EndpointSlice) carrying this label to the proxy it names. */
export const SERVICE_PROXY_NAME_LABEL = 'service.kubernetes.io/service-proxy-name';
export const SERVICE_PROXY_NAME = 'multus-proxy';
/** `<[namespace/]nad>`: the secondary network a Service lives on. */
export const SERVICE_NETWORK_ANNOTATION = 'k8s.v1.cni.cncf.io/service-network';
/** Written by Multus on each pod: JSON list of `{name, interface, ips, ...}`. */
export const NETWORK_STATUS_ANNOTATION = 'k8s.v1.cni.cncf.io/network-status';

/** The default EndpointSlice controller manages only slices labelled with its own name here. */
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'multus-endpointslice-controller.npwg.k8s.io';
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';

/** As the default controller (--max-endpoints-per-slice). */
export const MAX_ENDPOINTS_PER_SLICE = 100;
/** sessionAffinityConfig.clientIP.timeoutSeconds when the Service leaves it out (3 hours). */
export const DEFAULT_AFFINITY_SECONDS = 10_800;
