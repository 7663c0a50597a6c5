// Just enough X.509 for a Kubernetes client certificate obtained through a
// CertificateSigningRequest (the thick daemon's perNodeCertificate): a PKCS#10 request for an EC
// key signed with node:crypto, a reader of a request (subject, public key, signature checked) for
// the stand-in API server and the tests' signer, and the DER pieces both are made of.
// node:crypto reads certificates (X509Certificate) but can neither make nor read a request; the
// npm library that does (@peculiar/x509) needs a global reflect-metadata polyfill and a dozen
// packages for these few structures, which is too much for a daemon.
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** DER encoders (definite lengths, as X.509 wants). */
export const der = {
  tlv(tag: number, ...parts: Buffer[]): Buffer {
    const body = Buffer.concat(parts);
    return Buffer.concat([Buffer.from([tag]), length(body.length), body]);
  },
  seq: (...parts: Buffer[]) => der.tlv(0x30, ...parts),
  set: (...parts: Buffer[]) => der.tlv(0x31, ...parts),
  /** A non-negative INTEGER from a number or big-endian bytes. */
  int(v: number | Buffer): Buffer {
    const hex = typeof v === 'number' ? v.toString(16) : '';
    let b = typeof v === 'number' ? Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex') : v;
    while (b.length > 1 && b[0] === 0 && !(b[1]! & 0x80)) b = b.subarray(1);
    if (b[0]! & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return der.tlv(0x02, b);
  },
  bool: (v: boolean) => der.tlv(0x01, Buffer.from([v ? 0xff : 0])),
  oid(dotted: string): Buffer {
    const [a, b, ...rest] = dotted.split('.').map(Number) as [number, number, ...number[]];
    const out = [40 * a + b];
    for (const n of rest) {
      const groups: number[] = [];
      for (let v = n; ; v = Math.floor(v / 128)) {
        groups.unshift((v & 0x7f) | (groups.length ? 0x80 : 0));
        if (v < 128) break;
      }
      out.push(...groups);
    }
    return der.tlv(0x06, Buffer.from(out));
  },
  utf8: (s: string) => der.tlv(0x0c, Buffer.from(s, 'utf8')),
  octets: (b: Buffer) => der.tlv(0x04, b),
  bits: (b: Buffer) => der.tlv(0x03, Buffer.from([0]), b),
  /** UTCTime (years 1950–2049) or GeneralizedTime, to the second. */
  time(d: Date): Buffer {
    const iso = d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
    const y = d.getUTCFullYear();
    return y >= 1950 && y < 2050 ? der.tlv(0x17, Buffer.from(iso.slice(2))) : der.tlv(0x18, Buffer.from(iso));
  },
  /** A constructed context-specific tag [n]. */
  ctx: (n: number, ...parts: Buffer[]) => der.tlv(0xa0 | n, ...parts),
};

export const OID = {
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  sha256WithRsa: '1.2.840.113549.1.1.11',
} as const;

/** A Name of O then CN RDNs (Go's pkix.Name order). */
export function encodeName(n: { cn?: string; o?: string[] }): Buffer {
  const rdn = (oid: string, v: string) => der.set(der.seq(der.oid(oid), der.utf8(v)));
  return der.seq(...(n.o ?? []).map((o) => rdn(OID.organization, o)), ...(n.cn !== undefined ? [rdn(OID.commonName, n.cn)] : []));
}

export interface Tlv {
  tag: number;
  content: Buffer;
  /** The whole TLV. */
  raw: Buffer;
  /** Offset just past it. */
  end: number;
}

/** Reads the TLV at `off` of untrusted DER: lengths are checked against the buffer. */
export function readTlv(buf: Buffer, off = 0): Tlv {
  const bad = (what: string): never => {
    throw new Error(`malformed DER: ${what}`);
  };
  if (off + 2 > buf.length) bad('truncated');
  const tag = buf[off]!;
  let n = buf[off + 1]!;
  let p = off + 2;
  if (n & 0x80) {
    const k = n & 0x7f;
    if (k === 0 || k > 4 || p + k > buf.length) bad('bad length');
    n = 0;
    for (let i = 0; i < k; i++) n = n * 256 + buf[p + i]!;
    p += k;
  }
  if (p + n > buf.length) bad('truncated');
  return { tag, content: buf.subarray(p, p + n), raw: buf.subarray(off, p + n), end: p + n };
}

/** Every TLV inside a constructed one. */
export function children(content: Buffer): Tlv[] {
  const out: Tlv[] = [];
  for (let off = 0; off < content.length; ) {
    const t = readTlv(content, off);
    out.push(t);
    off = t.end;
  }
  return out;
}

export function toPem(type: string, body: Buffer): string {
  const b64 = body.toString('base64').replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

/** The DER of the first PEM block, which must be of `type`. */
export function fromPem(pem: string, type: string): Buffer {
  const m = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*?)-----END \1-----/.exec(pem);
  if (!m) throw new Error('no PEM data found');
  if (m[1] !== type) throw new Error(`PEM block type must be ${type}`);
  return Buffer.from(m[2]!.replace(/\s+/g, ''), 'base64');
}

/** A PKCS#10 request for `key`'s public key, subject O/CN, signed with ECDSA-SHA256 (an EC key). */
export function certificateRequest(key: KeyObject, subject: { cn: string; o?: string[] }): string {
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  const info = der.seq(der.int(0), encodeName(subject), spki, der.ctx(0));
  const signature = sign('sha256', info, key);
  return toPem('CERTIFICATE REQUEST', der.seq(info, der.seq(der.oid(OID.ecdsaWithSha256)), der.bits(signature)));
}

export interface ParsedRequest {
  /** The subject Name's DER (copied into an issued certificate as it is). */
  subject: Buffer;
  /** SubjectPublicKeyInfo DER. */
  spki: Buffer;
  cn: string[];
  o: string[];
}

/** Reads a PEM PKCS#10 request and checks its self-signature (ECDSA or RSA with SHA-256); throws on anything else. */
export function parseCertificateRequest(pem: string): ParsedRequest {
  const outer = readTlv(fromPem(pem, 'CERTIFICATE REQUEST'));
  if (outer.tag !== 0x30) throw new Error('malformed DER: not a SEQUENCE');
  const [info, alg, sig] = children(outer.content);
  if (!info || !alg || !sig || info.tag !== 0x30 || sig.tag !== 0x03) throw new Error('malformed certificate request');
  const [, subject, spki] = children(info.content);
  if (!subject || !spki) throw new Error('malformed certificate request');
  const algOid = children(alg.content)[0]?.raw ?? Buffer.alloc(0);
  if (!algOid.equals(der.oid(OID.ecdsaWithSha256)) && !algOid.equals(der.oid(OID.sha256WithRsa))) throw new Error('unsupported signature algorithm');
  const pub = createPublicKey({ key: spki.raw, format: 'der', type: 'spki' });
  if (!verify('sha256', info.raw, pub, sig.content.subarray(1))) throw new Error('x509: ECDSA verification failure');
  const cn: string[] = [];
  const o: string[] = [];
  for (const rdn of children(subject.content)) {
    for (const atv of children(rdn.content)) {
      const [type, value] = children(atv.content);
      if (!type || !value) continue;
      if (type.raw.equals(der.oid(OID.commonName))) cn.push(value.content.toString('utf8'));
      if (type.raw.equals(der.oid(OID.organization))) o.push(value.content.toString('utf8'));
    }
  }
  return { subject: subject.raw, spki: spki.raw, cn, o };
}
