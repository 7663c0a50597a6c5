// A small CRI v1 client (the part of crictl the suite needs; Debian has no cri-tools): gRPC unary
// calls over HTTP/2 on containerd's unix socket, with the messages hand-encoded (@cni-ts/kube protobuf.ts).
// Field numbers follow k8s.io/cri-api runtime/v1 api.proto.
import { connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { ProtoMessage, ProtoWriter } from '@cni-ts/kube';

const SERVICE = '/runtime.v1.RuntimeService';
const PROTOCOLS = { TCP: 0, UDP: 1, SCTP: 2 } as const;
const NAMESPACE_MODE = { POD: 0, CONTAINER: 1, NODE: 2 } as const;

export interface PodConfig {
  name: string;
  uid: string;
  namespace?: string;
  attempt?: number;
  hostname?: string;
  /** cgroupfs parent of the sandbox, e.g. "/cnits-123-rt1-ctd". */
  cgroupParent?: string;
  portMappings?: Array<{ protocol?: keyof typeof PROTOCOLS; containerPort: number; hostPort: number; hostIp?: string }>;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PodStatus {
  id: string;
  /** SANDBOX_READY = 0, SANDBOX_NOTREADY = 1. */
  state: number;
  ip: string;
  additionalIps: string[];
  /** Verbose information (containerd: "info" holds JSON with the sandbox pid, netns path...). */
  info: Record<string, string>;
}

// (no parameter properties here or below: Node's type stripping must be able to load this file)
export class CriError extends Error {
  readonly method: string;
  readonly code: number;
  readonly details: string;

  constructor(method: string, code: number, details: string) {
    super(`CRI ${method} failed: grpc status ${code}: ${details}`);
    this.method = method;
    this.code = code;
    this.details = details;
  }
}

function frame(body: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(body.length, 1);
  return Buffer.concat([head, body]);
}

function podConfig(w: ProtoWriter, c: PodConfig): void {
  w.message(1, (m) => m.string(1, c.name).string(2, c.uid).string(3, c.namespace ?? 'default').uint(4, c.attempt ?? 0));
  w.string(2, c.hostname ?? c.name);
  for (const p of c.portMappings ?? []) {
    w.message(5, (m) => m.uint(1, PROTOCOLS[p.protocol ?? 'TCP']).uint(2, p.containerPort).uint(3, p.hostPort).string(4, p.hostIp));
  }
  w.map(6, c.labels);
  w.map(7, c.annotations);
  w.message(8, (linux) =>
    linux
      .string(1, c.cgroupParent)
      // namespace_options: network POD, pid CONTAINER, ipc POD (what kubelet sends for a normal pod)
      .message(2, (sc) => sc.message(1, (ns) => ns.uint(1, NAMESPACE_MODE.POD).uint(2, NAMESPACE_MODE.CONTAINER).uint(3, NAMESPACE_MODE.POD))),
  );
}

export class CriClient {
  private session: ClientHttp2Session | undefined;
  readonly socketPath: string;
  readonly timeoutMs: number;

  constructor(socketPath: string, timeoutMs = 120_000) {
    this.socketPath = socketPath;
    this.timeoutMs = timeoutMs;
  }

  private connect(): ClientHttp2Session {
    if (this.session && !this.session.closed && !this.session.destroyed) return this.session;
    const s = connect('http://localhost', { createConnection: () => netConnect(this.socketPath) });
    s.on('error', () => {
      // surfaced through the pending call; the next call reconnects
    });
    s.unref();
    this.session = s;
    return s;
  }

  /** One unary call; resolves with the decoded response message. */
  call(method: string, body: Buffer): Promise<ProtoMessage> {
    return new Promise((resolve, reject) => {
      let session: ClientHttp2Session;
      try {
        session = this.connect();
      } catch (err) {
        reject(err);
        return;
      }
      const req = session.request({
        ':method': 'POST',
        ':path': `${SERVICE}/${method}`,
        'content-type': 'application/grpc',
        te: 'trailers',
      });
      req.setTimeout(this.timeoutMs, () => req.close());
      const chunks: Buffer[] = [];
      let status: string | undefined;
      let message = '';
      const take = (h: Record<string, unknown>) => {
        if (h['grpc-status'] !== undefined) status = String(h['grpc-status']);
        if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', take);
      req.on('trailers', take);
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('error', (err) => reject(err));
      req.on('close', () => {
        if (status === undefined) return reject(new CriError(method, -1, `no grpc-status (stream closed: ${req.rstCode ?? 'no rst'})`));
        if (status !== '0') return reject(new CriError(method, Number(status), message));
        const data = Buffer.concat(chunks);
        resolve(new ProtoMessage(data.length >= 5 ? data.subarray(5, 5 + data.readUInt32BE(1)) : Buffer.alloc(0)));
      });
      req.end(frame(body));
    });
  }

  async version(): Promise<{ runtimeName: string; runtimeVersion: string; runtimeApiVersion: string }> {
    const r = await this.call('Version', new ProtoWriter().string(1, 'v1').finish());
    return { runtimeName: r.string(2), runtimeVersion: r.string(3), runtimeApiVersion: r.string(4) };
  }

  /** Runtime conditions, e.g. {RuntimeReady: true, NetworkReady: false}. */
  async status(): Promise<Record<string, { status: boolean; reason: string; message: string }>> {
    const r = await this.call('Status', new ProtoWriter().finish());
    const conds = r.message(1)?.messages(1) ?? [];
    return Object.fromEntries(conds.map((c) => [c.string(1), { status: c.bool(2), reason: c.string(3), message: c.string(4) }]));
  }

  async runPodSandbox(config: PodConfig): Promise<string> {
    const r = await this.call('RunPodSandbox', new ProtoWriter().message(1, (w) => podConfig(w, config)).finish());
    return r.string(1);
  }

  async stopPodSandbox(id: string): Promise<void> {
    await this.call('StopPodSandbox', new ProtoWriter().string(1, id).finish());
  }

  async removePodSandbox(id: string): Promise<void> {
    await this.call('RemovePodSandbox', new ProtoWriter().string(1, id).finish());
  }

  async podSandboxStatus(id: string, verbose = false): Promise<PodStatus> {
    const r = await this.call('PodSandboxStatus', new ProtoWriter().string(1, id).bool(2, verbose).finish());
    const s = r.message(1);
    const net = s?.message(5);
    return {
      id: s?.string(1) ?? '',
      state: Number(s?.uint(3) ?? 0n),
      ip: net?.string(1) ?? '',
      additionalIps: (net?.messages(2) ?? []).map((m) => m.string(1)),
      info: r.map(2),
    };
  }

  async listPodSandbox(): Promise<Array<{ id: string; name: string; state: number }>> {
    const r = await this.call('ListPodSandbox', new ProtoWriter().finish());
    return r.messages(1).map((p) => ({ id: p.string(1), name: p.message(2)?.string(1) ?? '', state: Number(p.uint(3)) }));
  }

  close(): void {
    this.session?.close();
    this.session = undefined;
  }
}
