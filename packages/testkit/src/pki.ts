// A certificate authority for tests: a self-signed EC CA that issues a TLS server certificate
// (the stand-in API server's, for 127.0.0.1) and client certificates from a
// CertificateSigningRequest's PKCS#10 (what a cluster's signer does), with any validity down to
// seconds: a signer may issue a shorter certificate than requested, which is how rotation is
// tested without waiting ten minutes. Built from @cni-ts/kube's DER pieces and node:crypto.
import { createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { der, encodeName, OID, parseCertificateRequest, toPem } from '@cni-ts/kube';

const ext = (oid: string, value: Buffer, critical = false) => der.seq(der.oid(oid), ...(critical ? [der.bool(true)] : []), der.octets(value));
/** keyUsage: digitalSignature (bit 0), and for a CA keyCertSign (5) and cRLSign (6). */
const keyUsage = (ca: boolean) => ext('2.5.29.15', ca ? der.tlv(0x03, Buffer.from([1, 0x86])) : der.tlv(0x03, Buffer.from([7, 0x80])), true);
const EKU = { server: '1.3.6.1.5.5.7.3.1', client: '1.3.6.1.5.5.7.3.2' };

function signed(tbs: Buffer, key: KeyObject): string {
  return toPem('CERTIFICATE', der.seq(tbs, der.seq(der.oid(OID.ecdsaWithSha256)), der.bits(sign('sha256', tbs, key))));
}

export interface IssueOptions {
  subject: Buffer;
  spki: Buffer;
  notBefore?: Date;
  notAfter: Date;
  usage: 'client' | 'server';
  /** An IP address for the subjectAltName (a server's). */
  ip?: string;
}

export interface TestCA {
  certPem: string;
  issue(o: IssueOptions): string;
  /** A server certificate and key for 127.0.0.1 (valid a day). */
  serverPair(): { certPem: string; keyPem: string };
  /** Signs a PEM PKCS#10 (its signature checked) as a client certificate valid `ms` from now. */
  signRequest(csrPem: string, ms: number): string;
}

export function testCA(cn = 'cni-ts test CA'): TestCA {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const name = encodeName({ cn });
  const now = Date.now();
  const tbs = (o: IssueOptions & { issuer: Buffer; exts: Buffer[] }) =>
    der.seq(
      der.ctx(0, der.int(2)),
      der.int(randomBytes(8)),
      der.seq(der.oid(OID.ecdsaWithSha256)),
      o.issuer,
      der.seq(der.time(o.notBefore ?? new Date(Date.now() - 60_000)), der.time(o.notAfter)),
      o.subject,
      o.spki,
      der.ctx(3, der.seq(...o.exts)),
    );
  const caSpki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  const certPem = signed(
    tbs({ subject: name, spki: caSpki, notBefore: new Date(now - 60_000), notAfter: new Date(now + 86_400_000), usage: 'server', issuer: name, exts: [ext('2.5.29.19', der.seq(der.bool(true)), true), keyUsage(true)] }),
    privateKey,
  );
  const ca: TestCA = {
    certPem,
    issue(o) {
      const exts = [ext('2.5.29.19', der.seq(), true), keyUsage(false), ext('2.5.29.37', der.seq(der.oid(EKU[o.usage])))];
      if (o.ip) exts.push(ext('2.5.29.17', der.seq(der.tlv(0x87, Buffer.from(o.ip.split('.').map(Number))))));
      return signed(tbs({ ...o, issuer: name, exts }), privateKey);
    },
    serverPair() {
      const { privateKey: key } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
      const pem = ca.issue({ subject: encodeName({ cn: '127.0.0.1' }), spki, notAfter: new Date(Date.now() + 86_400_000), usage: 'server', ip: '127.0.0.1' });
      return { certPem: pem, keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString() };
    },
    signRequest(csrPem, ms) {
      const req = parseCertificateRequest(csrPem);
      // Backdated by a second only (kube-controller-manager backdates 5 minutes, which would put a
      // seconds-long certificate's rotation deadline in the past).
      return ca.issue({ subject: req.subject, spki: req.spki, notBefore: new Date(Date.now() - 1000), notAfter: new Date(Date.now() + ms), usage: 'client' });
    },
  };
  return ca;
}
