// perNodeCertificate against the stand-in API server served over TLS with x509 client
// authentication: the daemon, holding only a bootstrap token, creates a CertificateSigningRequest
// (CN system:multus:<node>, O system:multus, signer kubernetes.io/kube-apiserver-client), waits
// for the test's approver and signer, stores the pair atomically under certDir and then talks to
// the API server as the node (its caches' lists and watches); it rotates the certificate before
// expiry with a CSR made as the node, and a restarted daemon reuses a stored certificate that is
// still good. A denied CSR stops start-up with upstream's error.
import { X509Certificate } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { clientForConnection, type KubeObject } from '@cni-ts/kube';
import { checkLeaks, testCA, testEnv, until, type TestCA } from '@cni-ts/testkit';
import { tmp } from '@cni-ts/testkit/multus';
import { afterEach, describe, expect, it } from 'vitest';
import { relayIntoNetns, startStub, type K8sStub } from '../../../e2e/src/k8s-stub/index';
import { startDaemonProc, stopDaemonProc, type DaemonProc } from './thick';

checkLeaks();

const NODE = 'node-cert-a';
const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const TOKEN = 'bootstrap-token';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

type Csr = KubeObject & { spec: { request: string; username: string; signerName: string; usages: string[]; expirationSeconds?: number }; status?: { conditions?: { type: string }[]; certificate?: string } };

/** The cluster's approver and signer (through the API, as kube-controller-manager's): approve or deny each new CSR, then issue a certificate valid `validMs()`. */
function signer(stub: K8sStub, ca: TestCA, o: { deny?: boolean; validMs: () => number }) {
  const api = clientForConnection({ server: stub.url, ca: { data: Buffer.from(ca.certPem).toString('base64') }, token: TOKEN, skipTLSVerify: false }, { rateLimit: false });
  const seen: Csr[] = [];
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const list = (await api.request('GET', CSRS)) as { items: Csr[] };
      for (const csr of list.items) {
        const name = csr.metadata!.name!;
        const conds = (csr.status?.conditions ?? []).map((c) => c.type);
        if (conds.length === 0) {
          seen.push(csr);
          const type = o.deny ? 'Denied' : 'Approved';
          await api.request('PUT', `${CSRS}/${name}/approval`, { ...csr, status: { conditions: [{ type, status: 'True', reason: 'TestSigner', message: `${type.toLowerCase()} by the test` }] } });
        } else if (conds.includes('Approved') && !csr.status?.certificate) {
          const pem = ca.signRequest(Buffer.from(csr.spec.request, 'base64').toString('utf8'), o.validMs());
          await api.request('PUT', `${CSRS}/${name}/status`, { ...csr, status: { ...csr.status, certificate: Buffer.from(pem).toString('base64') } });
        }
      }
    } finally {
      busy = false;
    }
  }, 200);
  cleanup.push(async () => {
    clearInterval(timer);
    api.close();
  });
  return { seen };
}

async function tlsCluster() {
  const ca = testCA();
  const { certPem, keyPem } = ca.serverPair();
  const stub = await startStub({ token: TOKEN, tokenUser: 'system:bootstrap:abcdef', tls: { cert: certPem, key: keyPem, clientCA: ca.certPem } });
  cleanup.push(() => stub.close());
  const env = testEnv();
  const relay = await relayIntoNetns(env.host.name, { host: '127.0.0.1', port: Number(new URL(stub.url).port) });
  cleanup.push(() => relay.close());
  const dir = tmp('nodecert');
  const bootstrap = path.join(dir, 'bootstrap.kubeconfig');
  writeFileSync(
    bootstrap,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'c', cluster: { server: `https://127.0.0.1:${relay.port}`, 'certificate-authority-data': Buffer.from(ca.certPem).toString('base64') } }],
      users: [{ name: 'bootstrap', user: { token: TOKEN } }],
      contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'bootstrap' } }],
      'current-context': 'ctx',
    }),
  );
  const certDir = path.join(dir, 'certs');
  const config = { perNodeCertificate: { enabled: true, bootstrapKubeconfig: bootstrap, certDir, certDuration: '10m' } };
  return { ca, stub, env, certDir, config };
}

const users = (stub: K8sStub, from = 0) => stub.requests.slice(from).filter((r) => r.headers['user-agent'] === 'multus-daemon-cni-ts');

describe('perNodeCertificate', () => {
  it('bootstrap CSR, the node identity afterwards, rotation before expiry, a stored certificate reused after a restart', async () => {
    const { ca, stub, env, certDir, config } = await tlsCluster();
    let validMs = 12_000;
    const { seen } = signer(stub, ca, { validMs: () => validMs });
    const run = { env: { MULTUS_NODE_NAME: NODE } };
    const sock = path.join(tmp('sock'), 'multus');
    const d: DaemonProc = await startDaemonProc(env.host.name, sock, config, run);
    cleanup.push(() => stopDaemonProc(d, 'SIGKILL'));
    expect(d.log()).toMatch(/Waiting for certificate[\s\S]*Certificate found!/);

    // The CSR: made with the bootstrap token, as upstream's certificate manager makes it.
    expect(seen).toHaveLength(1);
    expect(seen[0]!.spec).toMatchObject({ username: 'system:bootstrap:abcdef', signerName: 'kubernetes.io/kube-apiserver-client', usages: ['digital signature', 'client auth'], expirationSeconds: 600 });
    // Stored as client-go's file store keeps it: the -current symlink to a 0600 pair file (certificate, then key).
    const current = path.join(certDir, 'multus-client-current.pem');
    const first = readlinkSync(current);
    expect(first).toMatch(/^multus-client-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d\.pem$/);
    expect(lstatSync(path.join(certDir, first)).mode & 0o777).toBe(0o600);
    const pem = readFileSync(current, 'utf8');
    expect(pem).toMatch(/^-----BEGIN CERTIFICATE-----[\s\S]*-----BEGIN EC PRIVATE KEY-----/);
    expect(new X509Certificate(pem).subject).toBe('O=system:multus\nCN=system:multus:node-cert-a');
    // Every later request of the daemon (its caches' lists and watches) is the node's.
    await until('the caches list and watch', () => users(stub).filter((r) => r.verb === 'watch').length >= 2, 10_000);
    const after = users(stub).filter((r) => r.resource !== 'certificatesigningrequests.certificates.k8s.io');
    expect(after.length).toBeGreaterThan(0);
    for (const r of after) expect(r.user, `${r.method} ${r.path}`).toEqual({ name: `system:multus:${NODE}`, groups: ['system:multus', 'system:authenticated'] });

    // Rotation at 70–90 % of the 12 s lifetime, with a CSR made as the node; the old pair file goes.
    validMs = 3_600_000;
    await until('a rotation', () => seen.length === 2 && readlinkSync(current) !== first, 20_000);
    expect(seen[1]!.spec.username).toBe(`system:multus:${NODE}`);
    await until('the new pair in place', () => readdirSync(certDir).filter((n) => n !== 'multus-client-current.pem').length === 1, 5000);
    await until('the rotation logged', () => d.log().includes('perNodeCertificate: rotated'), 5000);

    // A restart with a stored certificate that is still good asks for none.
    await stopDaemonProc(d, 'SIGTERM');
    const d2 = await startDaemonProc(env.host.name, sock, config, run);
    cleanup.push(() => stopDaemonProc(d2, 'SIGKILL'));
    expect(d2.log()).toContain('perNodeCertificate: using');
    expect(seen).toHaveLength(2);
  }, 120_000);

  it('a denied CSR stops start-up (exit 3) with the reason', async () => {
    const { ca, stub, env, config } = await tlsCluster();
    signer(stub, ca, { deny: true, validMs: () => 60_000 });
    const sock = path.join(tmp('sock'), 'multus');
    await expect(startDaemonProc(env.host.name, sock, config, { env: { MULTUS_NODE_NAME: NODE } })).rejects.toThrow(/error getting perNodeClient: certificate was not signed: certificate signing request csr-\w+ is denied, reason: TestSigner, message: denied by the test/);
  }, 60_000);
});
