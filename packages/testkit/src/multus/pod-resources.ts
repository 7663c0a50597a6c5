// A stand-in for the kubelet's pod-resources gRPC API on a unix socket (the one Multus asks for
// the devices of a resourceName'd NAD): `v1.PodResourcesLister/List` answers what the test put
// in `pods`, and counts its calls. A real gRPC server (@grpc/grpc-js), so the client is tested
// over HTTP/2 framing, deadlines and status codes as it meets them on a node.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { ProtoWriter } from '@cni-ts/kube';

export interface PodResourcesEntry {
  name: string;
  namespace: string;
  containers: { name: string; devices: { resourceName: string; deviceIds: string[] }[] }[];
}

export interface PodResourcesStub {
  socket: string;
  /** What List answers (change it between calls). */
  pods: PodResourcesEntry[];
  /** List calls served. */
  calls: number;
  /** Answer List with this status instead (e.g. grpc.status.UNAVAILABLE); undefined: answer. */
  failWith: grpc.status | undefined;
  close(): Promise<void>;
}

/** ListPodResourcesResponse for `pods` (field numbers of podresources/v1). */
export function encodeListResponse(pods: PodResourcesEntry[]): Buffer {
  const w = new ProtoWriter();
  for (const p of pods) {
    w.message(1, (pr) => {
      pr.string(1, p.name).string(2, p.namespace);
      for (const c of p.containers) {
        pr.message(3, (cr) => {
          cr.string(1, c.name);
          for (const d of c.devices) cr.message(2, (dev) => { dev.string(1, d.resourceName); for (const id of d.deviceIds) dev.string(2, id); });
        });
      }
    });
  }
  return w.finish();
}

const same = (b: Buffer) => b;

export async function startPodResourcesStub(pods: PodResourcesEntry[] = []): Promise<PodResourcesStub> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-podres-'));
  const socket = path.join(dir, 'kubelet.sock');
  const server = new grpc.Server();
  const stub: PodResourcesStub = {
    socket,
    pods,
    calls: 0,
    failWith: undefined,
    async close() {
      await new Promise<void>((r) => server.tryShutdown(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  server.addService(
    {
      List: {
        path: '/v1.PodResourcesLister/List',
        requestStream: false,
        responseStream: false,
        requestSerialize: same,
        requestDeserialize: same,
        responseSerialize: same,
        responseDeserialize: same,
      },
    },
    {
      List: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        stub.calls++;
        if (stub.failWith !== undefined) callback({ code: stub.failWith, details: 'pod-resources stand-in told to fail' });
        else callback(null, encodeListResponse(stub.pods));
      },
    },
  );
  await new Promise<void>((resolve, reject) => server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())));
  return stub;
}
