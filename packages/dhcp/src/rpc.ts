// Go's net/rpc over HTTP, on a unix socket: what `rpc.DialHTTP` + `client.Call` and
// `rpc.HandleHTTP` + `http.Serve` put on the wire, both sides.
//
//   client: "CONNECT /_goRPC_ HTTP/1.0\n\n"
//   server: "HTTP/1.0 200 Connected to Go RPC\n\n"
//   then one gob stream each way: Request{ServiceMethod, Seq} + args, Response{ServiceMethod, Seq, Error} + reply.

import { type Socket, connect } from 'node:net';
import { type Decoded, GobDecoder, type GobValue } from './gob/decoder';
import { GobEncoder } from './gob/encoder';
import type { GobType } from './gob/types';
import { EMPTY_T, REQUEST_T, RESPONSE_T } from './wire';

export const RPC_PATH = '/_goRPC_';
export const CONNECTED = '200 Connected to Go RPC';

/** Go's text for a failed unix dial, e.g. `dial unix /run/cni/dhcp.sock: connect: no such file or directory`. */
export function dialErrorText(path: string, err: NodeJS.ErrnoException): string {
  const texts: Record<string, string> = {
    ENOENT: 'no such file or directory',
    ECONNREFUSED: 'connection refused',
    EACCES: 'permission denied',
    ENOTSOCK: 'socket operation on non-socket',
    EPROTOTYPE: 'protocol wrong type for socket',
    ENOTDIR: 'not a directory',
    ETIMEDOUT: 'connection timed out',
    EAGAIN: 'resource temporarily unavailable',
  };
  const what = (err.code && texts[err.code]) ?? err.message;
  return `dial unix ${path}: connect: ${what}`;
}

/** An error the server returned (Go's rpc.ServerError): its text only. */
export class RpcServerError extends Error {
  override name = 'RpcServerError';
}

/** The connection failed (dial, handshake, or the stream broke). */
export class RpcDialError extends Error {
  override name = 'RpcDialError';
}

/** A net/rpc client connection: `RpcClient.dial(path)`, then `call(...)`, then `close()`. */
export class RpcClient {
  private readonly enc = new GobEncoder();
  private readonly dec = new GobDecoder();
  private seq = 0;
  private waiters: (() => void)[] = [];
  private ended: Error | undefined;

  private readonly sock: Socket;

  private constructor(sock: Socket) {
    this.sock = sock;
    sock.on('data', (chunk) => {
      this.dec.push(chunk);
      this.wake();
    });
    sock.on('error', (err) => {
      this.ended ??= err;
      this.wake();
    });
    sock.on('close', () => {
      this.ended ??= new Error('unexpected EOF');
      this.wake();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private async waitFor<T>(take: () => T | undefined): Promise<T> {
    for (;;) {
      const v = take();
      if (v !== undefined) return v;
      if (this.ended) throw this.ended;
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  /** Dials and does the HTTP CONNECT handshake (Go's `rpc.DialHTTP("unix", path)`). */
  static async dial(path: string): Promise<RpcClient> {
    const sock = await new Promise<Socket>((resolve, reject) => {
      const s = connect({ path });
      s.once('connect', () => resolve(s));
      s.once('error', (err) => reject(new RpcDialError(dialErrorText(path, err), { cause: err })));
    });
    const c = new RpcClient(sock);
    sock.write(`CONNECT ${RPC_PATH} HTTP/1.0\n\n`);
    try {
      const status = await c.waitFor(() => c.dec.takeLine());
      // Headers, if any, end with an empty line.
      for (;;) if ((await c.waitFor(() => c.dec.takeLine())) === '') break;
      const m = /^HTTP\/\d\.\d (.*)$/.exec(status);
      if (!m || m[1] !== CONNECTED) throw new RpcDialError(`unexpected HTTP response: ${m ? m[1] : status}`);
    } catch (err) {
      sock.destroy();
      if (err instanceof RpcDialError) throw err;
      throw new RpcDialError(`dial unix ${path}: ${(err as Error).message}`, { cause: err });
    }
    return c;
  }

  /** One call; resolves with the decoded reply, rejects with RpcServerError for the server's error. */
  async call(method: string, argsType: GobType, args: unknown): Promise<GobValue> {
    const seq = this.seq++;
    this.sock.write(Buffer.concat([this.enc.encode(REQUEST_T, { ServiceMethod: method, Seq: seq }), this.enc.encode(argsType, args)]));
    const header = await this.waitFor(() => this.dec.next());
    const body = await this.waitFor(() => this.dec.next());
    const h = header.value as Record<string, GobValue>;
    if (Number(h.Seq ?? 0) !== seq) throw new Error(`rpc: response for unknown call ${String(h.Seq)}`);
    const error = typeof h.Error === 'string' ? h.Error : '';
    if (error) throw new RpcServerError(error);
    return body.value;
  }

  close(): void {
    this.sock.destroy();
  }
}

/** A registered method: takes the decoded args, returns the reply's gob type and value. */
export type RpcMethod = (args: GobValue) => Promise<{ type: GobType; value: unknown }>;

/**
 * Serves net/rpc over HTTP on one accepted connection (Go's `http.Serve` + `rpc.HandleHTTP`):
 * answers the CONNECT, then runs each request as it arrives (concurrently, as Go does) and
 * writes each response whole when it is ready.
 */
export function serveRpcConn(sock: Socket, methods: ReadonlyMap<string, RpcMethod>, log: (msg: string) => void = () => {}): void {
  const dec = new GobDecoder();
  const enc = new GobEncoder();
  let state: 'request-line' | 'headers' | 'rpc' | 'closed' = 'request-line';
  let pendingHeader: Decoded | undefined;

  const fail = (status: string, body: string) => {
    state = 'closed';
    sock.end(`HTTP/1.0 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n${body}`);
  };

  const respond = (seq: GobValue | undefined, method: string, error: string, type: GobType, value: unknown) => {
    if (state === 'closed' || sock.destroyed) return;
    let out: Uint8Array;
    try {
      out = Buffer.concat([enc.encode(RESPONSE_T, { ServiceMethod: method, Seq: seq ?? 0, Error: error }), enc.encode(type, value)]);
    } catch (err) {
      log(`rpc: encoding the reply to ${method} failed: ${(err as Error).message}`);
      out = Buffer.concat([
        enc.encode(RESPONSE_T, { ServiceMethod: method, Seq: seq ?? 0, Error: `rpc: encoding reply: ${(err as Error).message}` }),
        enc.encode(EMPTY_T, {}),
      ]);
    }
    sock.write(out);
  };

  const dispatch = (header: Decoded, body: Decoded) => {
    const h = header.value as Record<string, GobValue>;
    const method = typeof h.ServiceMethod === 'string' ? h.ServiceMethod : '';
    const seq = h.Seq;
    const dot = method.lastIndexOf('.');
    if (dot < 0) {
      respond(seq, method, `rpc: service/method request ill-formed: ${method}`, EMPTY_T, {});
      return;
    }
    const fn = methods.get(method);
    if (!fn) {
      const service = method.slice(0, dot);
      const known = [...methods.keys()].some((k) => k.startsWith(`${service}.`));
      respond(seq, method, known ? `rpc: can't find method ${method}` : `rpc: can't find service ${method}`, EMPTY_T, {});
      return;
    }
    fn(body.value).then(
      (reply) => respond(seq, method, '', reply.type, reply.value),
      (err: unknown) => {
        const text = err instanceof Error ? err.message : String(err);
        // net/rpc never sends an empty error text for a failure.
        respond(seq, method, text || 'unknown error', EMPTY_T, {});
      },
    );
  };

  const pump = () => {
    try {
      while (state !== 'closed') {
        if (state === 'request-line') {
          const line = dec.takeLine();
          if (line === undefined) return;
          const [verb, path] = line.split(' ');
          if (verb !== 'CONNECT') return fail('405 Method Not Allowed', '405 must CONNECT\n');
          if (path !== RPC_PATH) return fail('404 Not Found', '404 page not found\n');
          state = 'headers';
        } else if (state === 'headers') {
          const line = dec.takeLine();
          if (line === undefined) return;
          if (line === '') {
            sock.write(`HTTP/1.0 ${CONNECTED}\n\n`);
            state = 'rpc';
          }
        } else {
          if (!pendingHeader) {
            pendingHeader = dec.next();
            if (!pendingHeader) return;
          }
          const body = dec.next();
          if (!body) return;
          const header = pendingHeader;
          pendingHeader = undefined;
          dispatch(header, body);
        }
      }
    } catch (err) {
      // A corrupt stream: Go's server logs and hangs up.
      log(`rpc: ${(err as Error).message}`);
      state = 'closed';
      sock.destroy();
    }
  };

  sock.on('data', (chunk) => {
    if (state === 'closed') return;
    // Bound what an idle peer can make us buffer.
    if (dec.buffered > 4 << 20) {
      log('rpc: request too large, closing');
      state = 'closed';
      sock.destroy();
      return;
    }
    dec.push(chunk);
    pump();
  });
  sock.on('error', () => {
    state = 'closed';
  });
  sock.on('close', () => {
    state = 'closed';
  });
}
