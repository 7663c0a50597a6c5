// The parts of the Kubernetes objects this package reads and writes. Objects are kept as the
// server sent them (raw JSON), so these types only name fields; every read is defensive.
import type { KubeObject } from '@cni-ts/kube';

export interface Meta {
  name?: string;
  generateName?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  deletionTimestamp?: string;
  ownerReferences?: OwnerReference[];
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ServicePort {
  name?: string;
  protocol?: string;
  port: number;
  targetPort?: number | string;
  appProtocol?: string;
}

export interface Service extends KubeObject {
  metadata: Meta;
  spec?: {
    selector?: Record<string, string> | null;
    clusterIP?: string;
    clusterIPs?: string[];
    ipFamilies?: string[];
    ports?: ServicePort[];
    publishNotReadyAddresses?: boolean;
    sessionAffinity?: string;
    sessionAffinityConfig?: { clientIP?: { timeoutSeconds?: number } };
    type?: string;
  };
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: string;
}

export interface Pod extends KubeObject {
  metadata: Meta;
  spec?: {
    nodeName?: string;
    hostNetwork?: boolean;
    hostname?: string;
    subdomain?: string;
    restartPolicy?: string;
    containers?: { name?: string; ports?: ContainerPort[] }[];
  };
  status?: {
    phase?: string;
    conditions?: { type?: string; status?: string }[];
  };
}

export interface EndpointPort {
  name?: string;
  protocol?: string;
  port?: number;
  appProtocol?: string;
}

export interface Endpoint {
  addresses: string[];
  conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean };
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string };
}

export type AddressType = 'IPv4' | 'IPv6';

export interface EndpointSlice extends KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
  addressType: AddressType | string;
  endpoints?: Endpoint[] | null;
  ports?: EndpointPort[] | null;
}

export const keyOf = (o: { metadata?: Meta }): string => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
