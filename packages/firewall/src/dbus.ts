// A small D-Bus client: what the firewalld backend needs (godbus' SystemBus, Object.Call) and
// nothing more. A unix socket to the system bus (DBUS_SYSTEM_BUS_ADDRESS, default
// /run/dbus/system_bus_socket), SASL EXTERNAL authentication with our uid, Hello, then method
// calls whose arguments are strings and whose replies are a string, a boolean or nothing.
// Wire format: D-Bus specification, "Message Protocol" (little-endian messages, header fields
// as an array of (byte, variant), body aligned to 8).
import { createConnection, type Socket } from 'node:net';

export const SYSTEM_BUS_DEFAULT = 'unix:path=/run/dbus/system_bus_socket';
const BUS = { destination: 'org.freedesktop.DBus', path: '/org/freedesktop/DBus', iface: 'org.freedesktop.DBus' };

/** An error reply: `name` is the D-Bus error name, the message its first string argument. */
export class DBusError extends Error {
  readonly type: string;
  constructor(type: string, message: string) {
    super(message);
    this.name = 'DBusError';
    this.type = type;
  }
}

/** The socket path of a bus address (`unix:path=...`, the first usable entry of a `;` list). */
export function socketPathOf(address: string): string {
  for (const entry of address.split(';')) {
    const [transport, params = ''] = entry.split(/:(.*)/s, 2) as [string, string?];
    if (transport !== 'unix') continue;
    for (const kv of params.split(',')) {
      const [k, v = ''] = kv.split('=', 2) as [string, string?];
      if (k === 'path') return decodeURIComponent(v);
      if (k === 'abstract') return `\0${decodeURIComponent(v)}`;
    }
  }
  throw new Error(`dbus: unsupported address ${JSON.stringify(address)}`);
}

// ---- marshalling (little endian) -----------------------------------------------------------

class Writer {
  private buf = Buffer.alloc(256);
  len = 0;
  private ensure(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.len + n));
    this.buf.copy(b, 0, 0, this.len);
    this.buf = b;
  }
  align(n: number): void {
    const pad = (n - (this.len % n)) % n;
    this.ensure(pad);
    this.buf.fill(0, this.len, this.len + pad);
    this.len += pad;
  }
  byte(v: number): void {
    this.ensure(1);
    this.buf[this.len++] = v;
  }
  u32(v: number): void {
    this.align(4);
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
  }
  /** s and o: length, bytes, NUL. */
  string(s: string): void {
    const b = Buffer.from(s);
    this.u32(b.length);
    this.ensure(b.length + 1);
    b.copy(this.buf, this.len);
    this.len += b.length;
    this.buf[this.len++] = 0;
  }
  /** g: one-byte length, bytes, NUL. */
  signature(s: string): void {
    this.byte(s.length);
    this.ensure(s.length + 1);
    this.buf.write(s, this.len, 'ascii');
    this.len += s.length;
    this.buf[this.len++] = 0;
  }
  bytes(): Buffer {
    return this.buf.subarray(0, this.len);
  }
}

export interface Call {
  destination: string;
  path: string;
  iface: string;
  member: string;
  /** string arguments (signature `s...`). */
  args?: readonly string[];
}

/** One METHOD_CALL message. */
export function encodeCall(c: Call, serial: number): Buffer {
  const args = c.args ?? [];
  const body = new Writer();
  for (const a of args) body.string(a);
  const w = new Writer();
  w.byte(0x6c); // 'l'
  w.byte(1); // METHOD_CALL
  w.byte(0);
  w.byte(1); // protocol version
  w.u32(body.len);
  w.u32(serial);
  const fields: [number, string, string][] = [
    [1, 'o', c.path],
    [2, 's', c.iface],
    [3, 's', c.member],
    [6, 's', c.destination],
  ];
  if (args.length > 0) fields.push([8, 'g', 's'.repeat(args.length)]);
  const f = new Writer();
  for (const [code, sig, value] of fields) {
    f.align(8);
    f.byte(code);
    f.signature(sig);
    if (sig === 'g') f.signature(value);
    else f.string(value);
  }
  // The array's length counts from its first element (already 8-aligned: offset 16).
  w.u32(f.len);
  const head = Buffer.concat([w.bytes(), f.bytes()]);
  const pad = (8 - (head.length % 8)) % 8;
  return Buffer.concat([head, Buffer.alloc(pad), body.bytes()]);
}

export interface Message {
  type: number;
  serial: number;
  replySerial?: number;
  errorName?: string;
  signature: string;
  /** the body's leading values of basic types (s, o, g, b, u, i, y). */
  values: (string | number | boolean)[];
}

/** Length of the message at the start of `b`, or 0 when it is incomplete. */
export function messageLength(b: Buffer): number {
  if (b.length < 16) return 0;
  const le = b[0] === 0x6c;
  const bodyLen = le ? b.readUInt32LE(4) : b.readUInt32BE(4);
  const fieldsLen = le ? b.readUInt32LE(12) : b.readUInt32BE(12);
  const headerLen = 16 + fieldsLen + ((8 - ((16 + fieldsLen) % 8)) % 8);
  return b.length >= headerLen + bodyLen ? headerLen + bodyLen : 0;
}

/** Decodes one whole message (header fields and the basic-typed body values). */
export function decodeMessage(b: Buffer): Message {
  const le = b[0] === 0x6c;
  let off = 0;
  const align = (n: number) => {
    off += (n - (off % n)) % n;
  };
  const u32 = () => {
    align(4);
    const v = le ? b.readUInt32LE(off) : b.readUInt32BE(off);
    off += 4;
    return v;
  };
  const str = () => {
    const n = u32();
    const s = b.toString('utf8', off, off + n);
    off += n + 1;
    return s;
  };
  const sig = () => {
    const n = b[off]!;
    const s = b.toString('ascii', off + 1, off + 1 + n);
    off += n + 2;
    return s;
  };
  const value = (t: string): string | number | boolean => {
    switch (t) {
      case 's':
      case 'o':
        return str();
      case 'g':
        return sig();
      case 'b':
        return u32() !== 0;
      case 'u':
        return u32();
      case 'i':
        return u32() | 0;
      case 'y':
        return b[off++]!;
      default:
        throw new Error(`dbus: cannot decode type ${t}`);
    }
  };
  const type = b[1]!;
  off = 4;
  const bodyLen = u32();
  const serial = u32();
  const fieldsLen = u32();
  const end = off + fieldsLen;
  const m: Message = { type, serial, signature: '', values: [] };
  while (off < end) {
    align(8);
    const code = b[off++]!;
    const v = value(sig());
    if (code === 4) m.errorName = v as string;
    else if (code === 5) m.replySerial = v as number;
    else if (code === 8) m.signature = v as string;
  }
  align(8);
  const bodyEnd = off + bodyLen;
  for (const t of m.signature) {
    if (off >= bodyEnd || !'sogbuiy'.includes(t)) break;
    m.values.push(value(t));
  }
  return m;
}

// ---- the connection ------------------------------------------------------------------------

export class DBusConnection {
  private readonly sock: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private serial = 0;
  private readonly pending = new Map<number, { resolve: (m: Message) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;

  private constructor(sock: Socket) {
    this.sock = sock;
  }

  /** Connects and authenticates (EXTERNAL, our uid), then says Hello. */
  static async connect(address: string, timeoutMs = 5000): Promise<DBusConnection> {
    const path = socketPathOf(address);
    const sock = createConnection({ path });
    sock.setTimeout(timeoutMs);
    const conn = new DBusConnection(sock);
    await new Promise<void>((resolve, reject) => {
      let text = '';
      const fail = (err: Error) => {
        sock.destroy();
        reject(err);
      };
      sock.once('error', fail);
      sock.once('timeout', () => fail(new Error(`dbus: ${address}: timed out`)));
      sock.once('connect', () => {
        const uid = String(process.getuid?.() ?? 0);
        sock.write(`\0AUTH EXTERNAL ${Buffer.from(uid).toString('hex')}\r\n`);
      });
      const onData = (d: Buffer) => {
        text += d.toString('latin1');
        if (!text.includes('\r\n')) return;
        sock.off('data', onData);
        sock.off('error', fail);
        if (!text.startsWith('OK ')) return fail(new Error(`dbus: authentication refused: ${text.trim()}`));
        sock.write('BEGIN\r\n');
        resolve();
      };
      sock.on('data', onData);
    });
    sock.on('data', (d: Buffer) => conn.onData(d));
    sock.on('error', (err) => conn.fail(err));
    sock.on('timeout', () => conn.fail(new Error('dbus: timed out')));
    sock.on('close', () => conn.fail(new Error('dbus: connection closed')));
    await conn.call({ ...BUS, member: 'Hello' });
    return conn;
  }

  /** Calls a method; resolves with the reply, rejects with a DBusError for an error reply. */
  call(c: Call): Promise<Message> {
    if (this.failure) return Promise.reject(this.failure);
    const serial = ++this.serial;
    return new Promise((resolve, reject) => {
      this.pending.set(serial, { resolve, reject });
      this.sock.write(encodeCall(c, serial));
    });
  }

  close(): void {
    this.sock.destroy();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    for (let n = messageLength(this.buf); n > 0; n = messageLength(this.buf)) {
      const m = decodeMessage(this.buf.subarray(0, n));
      this.buf = this.buf.subarray(n);
      const p = m.replySerial === undefined ? undefined : this.pending.get(m.replySerial);
      if (!p) continue; // signals (NameAcquired) and the like
      this.pending.delete(m.replySerial!);
      if (m.type === 3) p.reject(new DBusError(m.errorName ?? '', typeof m.values[0] === 'string' ? m.values[0] : (m.errorName ?? 'error')));
      else p.resolve(m);
    }
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}

/** dbus.SystemBus(): the system bus of DBUS_SYSTEM_BUS_ADDRESS, or the default socket. */
export function systemBusAddress(env: Readonly<Record<string, string | undefined>>): string {
  return env.DBUS_SYSTEM_BUS_ADDRESS || SYSTEM_BUS_DEFAULT;
}

/** org.freedesktop.DBus.GetNameOwner: true when `name` has an owner on the bus. */
export async function nameHasOwner(conn: DBusConnection, name: string): Promise<boolean> {
  try {
    await conn.call({ ...BUS, member: 'GetNameOwner', args: [name] });
    return true;
  } catch (err) {
    if (err instanceof DBusError) return false;
    throw err;
  }
}
