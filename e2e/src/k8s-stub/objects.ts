// Object JSON as the API server returns it, for seeding the stub (or creating on a cluster).
import type { KubeObject } from './server';

export interface PodSpec {
  namespace: string;
  name: string;
  annotations?: Record<string, string>;
  labels?: Record<string, string>;
  /** A node no kubelet runs, so a real cluster never starts the pod. */
  nodeName?: string;
  /** Extra top-level or status fields (to check they survive a status write). */
  extra?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

export function podObject(p: PodSpec): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: p.name, namespace: p.namespace, annotations: p.annotations ?? {}, labels: p.labels ?? { app: 'cni-ts-test' } },
    spec: {
      nodeName: p.nodeName ?? 'cni-ts-test-node-that-does-not-exist',
      containers: [{ name: 'pause', image: 'registry.k8s.io/pause:3.10' }],
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 0,
    },
    status: p.status ?? { phase: 'Pending', qosClass: 'BestEffort' },
    ...p.extra,
  };
}

export interface NadSpec {
  namespace: string;
  name: string;
  /** spec.config; undefined gives an empty spec (resolved from confDir). */
  config?: string | Record<string, unknown>;
  annotations?: Record<string, string>;
}

export function nadObject(n: NadSpec): KubeObject {
  return {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: { name: n.name, namespace: n.namespace, annotations: n.annotations ?? {} },
    spec: n.config === undefined ? {} : { config: typeof n.config === 'string' ? n.config : JSON.stringify(n.config) },
  };
}
