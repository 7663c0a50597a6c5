// The stand-in Kubernetes API server for tests, and the helpers around it (README.md).
export { K8sStub, startStub, statusObject, type Fault, type KubeObject, type RecordedRequest, type StubOptions } from './server';
export { apiVersionOf, BUILTIN, defsFromCrd, resourceId, type JsonSchema, type ResourceDef } from './resources';
export { applyJsonPatch, applyMergePatch, PatchError } from './patch';
export { kubeconfigText, writeKubeconfig, type KubeconfigOptions } from './kubeconfig';
export { relayIntoNetns, type Relay } from './relay';
export { nadObject, podObject, type NadSpec, type PodSpec } from './objects';
export { startStubProcess, type StubProcess } from './process';
