// The wire protocol between a launcher (tools/install/launcher.c) and the resident server. It is
// as small as a static launcher without libc can speak: fixed-size little-endian integers and
// raw bytes, no JSON. One connection carries one plugin invocation.
//
//   launcher                                  server
//   hello: "CNTS" u8 2  u8 fd-mask             (peer must be uid 0, build id must be ours,
//          u8 n build-id  u8 n plugin           plugin must be one we serve)
//          + SCM_RIGHTS: one fd per mask bit    bit 0: the caller's mount namespace, 1: its
//                                               network namespace, 2: CNI_NETNS opened by it
//                                             'Y'  (or anything else / close: the launcher execs
//                                                   the binary itself, stdin still unread)
//   env:   u32 n, n bytes of NUL-terminated "K=V" strings (the launcher's whole environment)
//   stdin: (u32 n, n bytes)* u32 0
//                                             'F'  nothing was done: fall back to exec (queue
//                                                  full, shutting down); the launcher execs the
//                                                  binary with the stdin it read (a memfd)
//                                             'R' u32 status u32 n stderr u32 n stdout
//
// A connection that closes before 'R' is treated by the launcher like 'F'.
export const MAGIC = Buffer.from('CNTS', 'latin1');
export const PROTOCOL_VERSION = 2;
/** The fds that come with the hello (SCM_RIGHTS), in this order, each present when its bit is. */
export const FD = { mnt: 1, net: 2, cniNetns: 4 } as const;
/** The longest hello: what the server reads (with its fds) before its stream reader takes over. */
export const HELLO_MAX = 4 + 1 + 1 + 1 + 255 + 1 + 255;
export const ACCEPT = 0x59; // 'Y'
export const FALLBACK = 0x46; // 'F'
export const RESULT = 0x52; // 'R'

/** Limits a request must stay within; a larger one is handed back to the exec path. */
export const LIMITS = { env: 1 << 20, stdin: 64 << 20 };

export interface Hello {
  buildId: string;
  plugin: string;
  /** Which fds came with it (FD bits); a JS client sends none. */
  fdMask?: number;
}

export interface Request extends Hello {
  /** The caller's environment, in its order ("K=V"; a later duplicate does not win, as getenv). */
  env: string[];
  stdin: Buffer;
}

export interface Response {
  status: number;
  stdout: string | Uint8Array;
  stderr: string | Uint8Array;
}

export class ProtocolError extends Error {}

/** Reads exact byte counts from a stream of chunks (a socket's 'data' events). */
export class ByteReader {
  #chunks: Buffer[] = [];
  #have = 0;
  #want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  #ended: Error | undefined;

  push(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#have += chunk.length;
    this.#serve();
  }

  /** No more data will come: a pending or later read beyond what is buffered fails. */
  end(err: Error = new ProtocolError('connection closed mid-request')): void {
    this.#ended = err;
    this.#serve();
  }

  read(n: number): Promise<Buffer> {
    if (this.#want) throw new Error('one read at a time');
    return new Promise((resolve, reject) => {
      this.#want = { n, resolve, reject };
      this.#serve();
    });
  }

  async u8(): Promise<number> {
    return (await this.read(1))[0]!;
  }

  async u32(): Promise<number> {
    return (await this.read(4)).readUInt32LE(0);
  }

  #serve(): void {
    const w = this.#want;
    if (!w) return;
    if (this.#have >= w.n) {
      this.#want = undefined;
      const all = this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks);
      const out = all.subarray(0, w.n);
      const rest = all.subarray(w.n);
      this.#chunks = rest.length ? [rest] : [];
      this.#have = rest.length;
      w.resolve(out);
    } else if (this.#ended) {
      this.#want = undefined;
      w.reject(this.#ended);
    }
  }
}

export async function readHello(r: ByteReader): Promise<Hello> {
  const head = await r.read(6);
  if (!head.subarray(0, 4).equals(MAGIC) || head[4] !== PROTOCOL_VERSION) throw new ProtocolError('not a cni-ts launcher (bad magic or protocol version)');
  const buildId = (await r.read(await r.u8())).toString('latin1');
  const plugin = (await r.read(await r.u8())).toString('latin1');
  return { buildId, plugin, fdMask: head[5]! };
}

/** The environment block and stdin that follow an accepted hello. */
export async function readBody(r: ByteReader): Promise<{ env: string[]; stdin: Buffer }> {
  const envLen = await r.u32();
  if (envLen > LIMITS.env) throw new ProtocolError(`environment of ${envLen} bytes exceeds ${LIMITS.env}`);
  const block = (await r.read(envLen)).toString('utf8');
  const env = block.split('\0');
  if (env.at(-1) === '') env.pop();
  const parts: Buffer[] = [];
  let total = 0;
  for (;;) {
    const n = await r.u32();
    if (n === 0) break;
    total += n;
    if (total > LIMITS.stdin) throw new ProtocolError(`stdin of more than ${LIMITS.stdin} bytes`);
    parts.push(await r.read(n));
  }
  return { env, stdin: Buffer.concat(parts) };
}

/** `K=V` strings to an object; the first of duplicate names wins (getenv(3), Go's os.Getenv). */
export function envObject(env: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of env) {
    const i = kv.indexOf('=');
    if (i <= 0) continue;
    const k = kv.slice(0, i);
    if (!Object.hasOwn(out, k)) out[k] = kv.slice(i + 1);
  }
  return out;
}

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
};
const bytes = (s: string | Uint8Array) => (typeof s === 'string' ? Buffer.from(s, 'utf8') : Buffer.from(s.buffer, s.byteOffset, s.byteLength));

export function encodeResponse(r: Response): Buffer {
  const err = bytes(r.stderr);
  const out = bytes(r.stdout);
  return Buffer.concat([Buffer.of(RESULT), u32(r.status), u32(err.length), err, u32(out.length), out]);
}

// The client side (what the launcher does), for tests, the bench and tools written in JS.

export function encodeHello(h: Hello): Buffer {
  const id = Buffer.from(h.buildId, 'latin1');
  const name = Buffer.from(h.plugin, 'latin1');
  if (id.length > 255 || name.length > 255) throw new Error('build id or plugin name too long');
  return Buffer.concat([MAGIC, Buffer.of(PROTOCOL_VERSION, 0, id.length), id, Buffer.of(name.length), name]);
}

export function encodeBody(env: readonly string[], stdin: Uint8Array): Buffer {
  const block = Buffer.from(env.map((kv) => `${kv}\0`).join(''), 'utf8');
  const parts: Buffer[] = [u32(block.length), block];
  if (stdin.length) parts.push(u32(stdin.length), Buffer.from(bytes(stdin)));
  parts.push(u32(0));
  return Buffer.concat(parts);
}

/** Parses what the server sent back: a Response, 'fallback', or undefined when incomplete. */
export function decodeResponse(buf: Buffer): Response | 'fallback' | undefined {
  if (buf.length === 0) return undefined;
  if (buf[0] === FALLBACK) return 'fallback';
  if (buf[0] !== RESULT) throw new ProtocolError(`unexpected reply byte ${buf[0]}`);
  if (buf.length < 9) return undefined;
  const status = buf.readUInt32LE(1);
  const errLen = buf.readUInt32LE(5);
  if (buf.length < 13 + errLen) return undefined;
  const stderr = buf.subarray(9, 9 + errLen);
  const outLen = buf.readUInt32LE(9 + errLen);
  if (buf.length < 13 + errLen + outLen) return undefined;
  return { status, stderr, stdout: buf.subarray(13 + errLen, 13 + errLen + outLen) };
}
