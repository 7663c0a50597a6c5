// core/v1 Events as client-go's recorder makes them: named `<object>.<nanoseconds in hex>`,
// about one object (kind, namespace, name, uid, resourceVersion), from one component.
import type { KubeObject } from './client';

export type EventType = 'Normal' | 'Warning';

export function objectEvent(obj: KubeObject, kind: string, type: EventType, reason: string, message: string, component: string, now = new Date()): KubeObject {
  const m = obj.metadata ?? {};
  const ts = now.toISOString().replace(/\.\d+Z$/, 'Z');
  const nanos = BigInt(now.getTime()) * 1_000_000n;
  return {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: `${m.name ?? ''}.${nanos.toString(16)}`, namespace: m.namespace },
    involvedObject: { kind, namespace: m.namespace, name: m.name, uid: m.uid, apiVersion: 'v1', resourceVersion: m.resourceVersion },
    reason,
    message,
    source: { component },
    firstTimestamp: ts,
    lastTimestamp: ts,
    count: 1,
    type,
    eventTime: null,
    reportingComponent: component,
    reportingInstance: '',
  };
}
