// certificates.k8s.io/v1 CertificateSigningRequests validated as the real API server's strategy
// does (pkg/apis/certificates/validation, registry/certificates): a create needs a PKCS#10 request
// whose signature holds, a qualified signerName, known usages, expirationSeconds of at least 600;
// the server fills spec.username/groups from who asked and drops any status; spec never changes
// afterwards; Approved/Denied conditions come only through `approval`, are exclusive and never
// removed; the certificate comes only through `status`, only once approved, must be PEM
// certificates, and never changes once set. Errors in the server's `field: reason` form.
import { X509Certificate } from 'node:crypto';
import { parseCertificateRequest } from '@cni-ts/kube';
import type { Admission, KubeObject } from './server';

const USAGES = new Set([
  'signing', 'digital signature', 'content commitment', 'key encipherment', 'key agreement', 'data encipherment',
  'cert sign', 'crl sign', 'encipher only', 'decipher only', 'any', 'server auth', 'client auth', 'code signing',
  'email protection', 's/mime', 'ipsec end system', 'ipsec tunnel', 'ipsec user', 'timestamping', 'ocsp signing',
  'microsoft sgc', 'netscape sgc',
]);
const SIGNER_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+\/[A-Za-z0-9._~%!$&'()*+,;=:@-]+$/;

type Cond = { type?: string; status?: string };
type Csr = KubeObject & {
  spec?: { request?: string; signerName?: string; usages?: string[]; expirationSeconds?: number; username?: string; groups?: string[]; uid?: string };
  status?: { conditions?: Cond[]; certificate?: string };
};

const has = (c: Csr | undefined, type: string) => (c?.status?.conditions ?? []).some((x) => x.type === type);

function specErrors(csr: Csr): string[] {
  const errs: string[] = [];
  const spec = csr.spec ?? {};
  if (!spec.request) errs.push('spec.request: Required value');
  else {
    try {
      parseCertificateRequest(Buffer.from(spec.request, 'base64').toString('utf8'));
    } catch (err) {
      errs.push(`spec.request: Invalid value: "<${Buffer.from(spec.request, 'base64').length} bytes>": ${(err as Error).message}`);
    }
  }
  if (!spec.signerName) errs.push('spec.signerName: Required value');
  else if (!SIGNER_RE.test(spec.signerName)) errs.push(`spec.signerName: Invalid value: "${spec.signerName}": must be a fully qualified domain and path of the form 'example.com/signer-name'`);
  if (!Array.isArray(spec.usages) || spec.usages.length === 0) errs.push('spec.usages: Required value');
  else {
    spec.usages.forEach((u, i) => {
      if (!USAGES.has(u)) errs.push(`spec.usages[${i}]: Unsupported value: "${u}"`);
      else if (spec.usages!.indexOf(u) !== i) errs.push(`spec.usages[${i}]: Duplicate value: "${u}"`);
    });
  }
  if (spec.expirationSeconds !== undefined && (!Number.isInteger(spec.expirationSeconds) || spec.expirationSeconds < 600)) {
    errs.push(`spec.expirationSeconds: Invalid value: ${spec.expirationSeconds}: may not specify a duration less than 600 seconds (10 minutes)`);
  }
  return errs;
}

function conditionErrors(csr: Csr): string[] {
  const errs: string[] = [];
  const conds = csr.status?.conditions ?? [];
  conds.forEach((c, i) => {
    if (!c.type) errs.push(`status.conditions[${i}].type: Required value`);
    if ((c.type === 'Approved' || c.type === 'Denied') && c.status !== 'True') errs.push(`status.conditions[${i}].status: Unsupported value: "${c.status ?? ''}": supported values: "True"`);
    if (c.type === 'Denied' && conds.some((o) => o.type === 'Approved')) errs.push(`status.conditions[${i}].type: Invalid value: "Denied": Approved and Denied conditions are mutually exclusive`);
    if (conds.findIndex((o) => o.type === c.type) !== i) errs.push(`status.conditions[${i}].type: Duplicate value: "${c.type}"`);
  });
  return errs;
}

function certificateErrors(certificate: string): string[] {
  const pem = Buffer.from(certificate, 'base64').toString('utf8');
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0 || pem.replace(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g, '').trim() !== '') {
    return ['status.certificate: Invalid value: "<certificate data>": must contain at least one CERTIFICATE PEM block and nothing else'];
  }
  for (const b of blocks) {
    try {
      new X509Certificate(b);
    } catch (err) {
      return [`status.certificate: Invalid value: "<certificate data>": ${(err as Error).message}`];
    }
  }
  return [];
}

/** The validation errors of a write (empty: admitted); a create also gets the server-set fields. */
export function admitCsr(a: Admission): string[] {
  const csr = a.obj as Csr;
  if (a.op === 'create') {
    delete csr.status;
    csr.spec = { ...csr.spec, username: a.user?.name ?? 'system:anonymous', groups: a.user?.groups ?? ['system:unauthenticated'] };
    return specErrors(csr);
  }
  const old = a.old as Csr;
  const errs: string[] = [];
  if (JSON.stringify(csr.spec) !== JSON.stringify(old.spec)) errs.push('spec: Invalid value: "<spec>": field is immutable');
  errs.push(...conditionErrors(csr));
  for (const type of ['Approved', 'Denied']) {
    if (has(old, type) && !has(csr, type)) errs.push(`status.conditions: Forbidden: updates may not remove a condition of type "${type}"`);
    if (a.subresource !== 'approval' && !has(old, type) && has(csr, type)) errs.push(`status.conditions: Forbidden: updates may not add a condition of type "${type}"`);
  }
  const oldCert = old.status?.certificate ?? '';
  const newCert = csr.status?.certificate ?? '';
  if (newCert !== oldCert) {
    if (oldCert) errs.push('status.certificate: Forbidden: updates may not modify existing certificate content');
    else if (a.subresource !== 'status') errs.push('status.certificate: Forbidden: updates may not set certificate content');
    else if (!has(csr, 'Approved') || has(csr, 'Denied') || has(csr, 'Failed')) errs.push('status.certificate: Forbidden: certificate issuance requires an Approved condition and no Denied or Failed one');
    else errs.push(...certificateErrors(newCert));
  }
  return errs;
}
