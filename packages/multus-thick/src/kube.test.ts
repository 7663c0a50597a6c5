import { TOO_LARGE } from '@cni-ts/multus';
import { describe, expect, it } from 'vitest';
import { trimNad, trimPod } from './kube';

describe('what the watch caches keep', () => {
  it('a pod without managedFields, volumes and container commands, args, env and mounts; the rest as served', () => {
    const pod = {
      metadata: { name: 'p', namespace: 'n', uid: 'u', resourceVersion: '7', annotations: { a: 'b' }, managedFields: [{ manager: 'x' }] },
      spec: { nodeName: 'n1', volumes: [{ name: 'v' }], containers: [{ name: 'c', image: 'i', command: ['x'], args: ['y'], env: [{ name: 'E' }], volumeMounts: [{ name: 'v' }], ports: [{ containerPort: 1 }] }], initContainers: [{ name: 'i', env: [] }] },
      status: { phase: 'Running', resourceClaimStatuses: [{ name: 'r' }] },
    };
    const t = trimPod(structuredClone(pod));
    expect(t).toEqual({
      metadata: { name: 'p', namespace: 'n', uid: 'u', resourceVersion: '7', annotations: { a: 'b' } },
      spec: { nodeName: 'n1', volumes: [], containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 1 }] }], initContainers: [{ name: 'i' }] },
      status: pod.status,
    });
  });

  it('a NAD whose config is over the size limit is kept as a marker only', () => {
    const nad = { metadata: { name: 'a', namespace: 'n', managedFields: [] }, spec: { config: 'x'.repeat(100) } };
    expect(trimNad(nad, 1000)).toEqual({ metadata: { name: 'a', namespace: 'n' }, spec: { config: 'x'.repeat(100) } });
    expect(trimNad(nad, 10)).toEqual({ metadata: { name: 'a', namespace: 'n', annotations: { [TOO_LARGE]: '100' } }, spec: {} });
  });
});
