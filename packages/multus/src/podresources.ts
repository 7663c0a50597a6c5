// resourceName -> deviceID from the kubelet's pod-resources API (upstream kubeletclient), the
// source upstream Multus prefers whenever the kubelet's socket exists: one unary
// `v1.PodResourcesLister/List` over the unix socket (10 s deadline, answers up to 16 MiB), then
// the devices of the pod's containers, matched by namespace and name, grouped per resource.
// gRPC is @grpc/grpc-js (loaded only here, and this module only when a NAD names a resource);
// the three messages are read with @cni-ts/kube's protobuf codec rather than a generated one.
import { ProtoMessage } from '@cni-ts/kube';
import { buildResourceMap, type ResourceMap } from './resources';

export const POD_RESOURCES_LIST = '/v1.PodResourcesLister/List';
/** upstream: kubeletConnectionTimeout and the List context, 10 s each; defaultPodResourcesMaxSize, 16 MiB. */
export const POD_RESOURCES_TIMEOUT_MS = 10_000;
export const POD_RESOURCES_MAX_BYTES = 16 * 1024 * 1024;

// Field numbers of k8s.io/kubelet/pkg/apis/podresources/v1.
const LIST_RESPONSE_POD_RESOURCES = 1;
const POD_NAME = 1;
const POD_NAMESPACE = 2;
const POD_CONTAINERS = 3;
const CONTAINER_DEVICES = 2;
const DEVICES_RESOURCE_NAME = 1;
const DEVICES_DEVICE_IDS = 2;

/** The devices a ListPodResourcesResponse gives pod `namespace/name`, per resource, sorted (GetPodResourceMap). */
export function podResourceMapFromList(response: Buffer, pod: { name: string; namespace: string }): ResourceMap {
  if (!pod.name || !pod.namespace) throw new Error('GetPodResourceMap: Pod name or namespace cannot be empty');
  const devices: [string, string[]][] = [];
  for (const pr of new ProtoMessage(response).messages(LIST_RESPONSE_POD_RESOURCES)) {
    if (pr.string(POD_NAME) !== pod.name || pr.string(POD_NAMESPACE) !== pod.namespace) continue;
    for (const container of pr.messages(POD_CONTAINERS)) {
      for (const dev of container.messages(CONTAINER_DEVICES)) devices.push([dev.string(DEVICES_RESOURCE_NAME), dev.strings(DEVICES_DEVICE_IDS)]);
    }
  }
  return buildResourceMap(devices);
}

/** Messages pass through gRPC as bytes: encoding and decoding are ours. */
const raw = (b: Buffer) => b;

/** One List call on the kubelet's socket: the raw ListPodResourcesResponse. */
export async function listPodResources(socket: string, timeoutMs = POD_RESOURCES_TIMEOUT_MS): Promise<Buffer> {
  const grpc = await import('@grpc/grpc-js');
  const client = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': POD_RESOURCES_MAX_BYTES,
    // One call, then the client is closed: nothing to keep alive or retry in the background.
    'grpc.enable_retries': 0,
  });
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      client.makeUnaryRequest(POD_RESOURCES_LIST, raw, raw, Buffer.alloc(0), new grpc.Metadata(), { deadline: Date.now() + timeoutMs }, (err, value) => {
        if (err) reject(new Error(`getPodResources: failed to list pod resources: ${err.message}`, { cause: err }));
        else resolve(value ?? Buffer.alloc(0));
      });
    });
  } finally {
    client.close();
  }
}
