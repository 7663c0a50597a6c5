// perNodeCertificate (upstream k8sclient.PerNodeK8sClient with client-go's certificate manager):
// the daemon authenticates as `system:multus:<node>` (group `system:multus`) with a client
// certificate of its own instead of a cluster-wide service account. The bootstrap kubeconfig's
// credentials only create CertificateSigningRequests (signer kubernetes.io/kube-apiserver-client,
// usages digital signature + client auth, expirationSeconds = certDuration); once the CSR is
// approved and issued, the certificate and its key are stored as client-go's file store keeps
// them (`<certDir>/multus-client-<time>.pem`, cert then key, and the symlink
// `multus-client-current.pem` to it), and the client reads that file (a rotated one is picked
// up on the next request, @cni-ts/kube's connection). A new key and CSR are made at 70–90 % of
// the certificate's lifetime (client-go's jittered rotation deadline), with the current
// certificate's own credentials while it is valid. Start-up waits up to 2 minutes for the first
// certificate, as upstream.
import { createPrivateKey, generateKeyPairSync, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { parseGoDuration, placeFileAtomic, writeFileAtomic } from '@cni-ts/cni';
import { certificateRequest, clientForConnection, isUnauthorized, readKubeconfig, type Connection, type KubeClient, type KubeObject } from '@cni-ts/kube';

export const CERT_PREFIX = 'multus-client';
export const CSR_SIGNER = 'kubernetes.io/kube-apiserver-client';
export const CSR_USAGES = ['digital signature', 'client auth'];
export const CSR_PATH = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
/** upstream DefaultCertDuration. */
export const DEFAULT_CERT_DURATION = '10m';
/** How long start-up waits for a certificate (upstream: 2 minutes). */
export const FIRST_CERT_WAIT_MS = 120_000;

export interface PerNodeCertConfig {
  enabled?: boolean | undefined;
  bootstrapKubeconfig?: string | undefined;
  certDir?: string | undefined;
  certDuration?: string | undefined;
}

export interface NodeCertOptions {
  nodeName: string;
  bootstrapKubeconfig: string;
  certDir: string;
  durationMs: number;
  log: (line: string) => void;
  userAgent?: string;
  /** Start-up's wait for the first certificate (default FIRST_CERT_WAIT_MS). */
  waitMs?: number;
  /** How often a pending CSR is read again (default 1 s). */
  pollMs?: number;
}

/** isPerNodeCertEnabled + the checks NewCNIServer makes: the options, or an error naming what is missing. */
export function nodeCertOptions(cfg: PerNodeCertConfig | undefined, env: Readonly<Record<string, string | undefined>>, log: (l: string) => void): NodeCertOptions | undefined {
  if (cfg?.enabled !== true) return undefined;
  if (!cfg.bootstrapKubeconfig || !cfg.certDir) {
    throw new Error(`failed to configure PerNodeCertificate: enabled: true, BootstrapKubeconfig: ${JSON.stringify(cfg.bootstrapKubeconfig ?? '')}, CertDir: ${JSON.stringify(cfg.certDir ?? '')}`);
  }
  const nodeName = env.MULTUS_NODE_NAME ?? '';
  if (!nodeName) throw new Error('error getting node name for perNodeCertificate, please check manifest to have MULTUS_NODE_NAME');
  let durationMs: number;
  try {
    durationMs = parseGoDuration(cfg.certDuration || DEFAULT_CERT_DURATION);
  } catch (err) {
    throw new Error(`failed to parse certDuration: ${(err as Error).message}`, { cause: err });
  }
  // The API server refuses expirationSeconds under 600 (10 minutes).
  if (durationMs < 600_000) throw new Error(`failed to parse certDuration: ${JSON.stringify(cfg.certDuration)} is less than the 10m a CertificateSigningRequest may ask for`);
  return { nodeName, bootstrapKubeconfig: cfg.bootstrapKubeconfig, certDir: cfg.certDir, durationMs, log };
}

export const currentCertPath = (certDir: string) => path.join(certDir, `${CERT_PREFIX}-current.pem`);

/** client-go's rotation deadline: a random point between 70 % and 90 % of the certificate's lifetime. */
export function rotationDeadline(cert: X509Certificate, random = Math.random()): number {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return from + (to - from) * (0.7 + 0.2 * random);
}

/** The stored certificate when it is whole (cert and matching key) and not expired. */
export function readCurrent(certDir: string, now = Date.now()): X509Certificate | undefined {
  let pem: string;
  try {
    pem = readFileSync(currentCertPath(certDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const cert = new X509Certificate(pem);
    if (!cert.checkPrivateKey(createPrivateKey(pem))) return undefined;
    return Date.parse(cert.validTo) > now ? cert : undefined;
  } catch {
    return undefined;
  }
}

/** `multus-client-2006-01-02-15-04-05.pem`, client-go's file store's name. */
function pairFileName(when: Date): string {
  const t = when.toISOString().replace(/\.\d+Z$/, '').replace(/[T:]/g, '-');
  return `${CERT_PREFIX}-${t}.pem`;
}

/**
 * Stores certificate + key: the pair file written atomically (0600), then the `-current` symlink
 * swapped to it in one rename; the pair file it replaced is removed (client-go keeps every one:
 * with 10-minute certificates, 144 files a day).
 */
export function storePair(certDir: string, certPem: string, keyPem: string, when = new Date()): string {
  const file = path.join(certDir, pairFileName(when));
  writeFileAtomic(file, `${certPem.trimEnd()}\n${keyPem.trimEnd()}\n`, { mode: 0o600 });
  const current = currentCertPath(certDir);
  let previous: string | undefined;
  try {
    previous = path.resolve(certDir, readlinkSync(current));
  } catch {
    previous = undefined;
  }
  placeFileAtomic(current, (tmp) => symlinkSync(path.basename(file), tmp), { syncData: false });
  if (previous && previous !== file && path.dirname(previous) === path.resolve(certDir)) rmSync(previous, { force: true });
  return file;
}

/** A new P-256 key (client-go's choice) and a PKCS#10 request for it, CN system:multus:<node>, O system:multus. */
export function makeCsr(nodeName: string): { csrPem: string; keyPem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const csrPem = certificateRequest(privateKey, { cn: `system:multus:${nodeName}`, o: ['system:multus'] });
  return { csrPem, keyPem: privateKey.export({ type: 'sec1', format: 'pem' }).toString() };
}

type Csr = KubeObject & { status?: { certificate?: string; conditions?: { type?: string; status?: string; reason?: string; message?: string }[] } };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class NodeCertificate {
  readonly client: KubeClient & { close(): void };
  readonly #o: NodeCertOptions;
  readonly #bootstrap: KubeClient & { close(): void };
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  private constructor(o: NodeCertOptions, bootstrap: Connection) {
    this.#o = o;
    const ua = o.userAgent ?? 'multus-daemon-cni-ts';
    this.#bootstrap = clientForConnection(bootstrap, { userAgent: ua, rateLimit: false });
    // getPerNodeKubeconfig: the bootstrap's server and CA, the stored pair as client certificate, no other credentials.
    const current = currentCertPath(o.certDir);
    const { token: _t, tokenFile: _f, basic: _b, ...rest } = bootstrap;
    this.client = clientForConnection({ ...rest, cert: { file: current }, key: { file: current } }, { keepAlive: true, userAgent: ua });
  }

  /** PerNodeK8sClient: a client once a certificate is there (waiting for one up to 2 min), rotation scheduled. */
  static async start(o: NodeCertOptions): Promise<NodeCertificate> {
    let conn: Connection | undefined;
    try {
      conn = await readKubeconfig(o.bootstrapKubeconfig);
    } catch (err) {
      throw new Error(`failed to load bootstrap kubeconfig ${o.bootstrapKubeconfig}: ${(err as Error).message}`, { cause: err });
    }
    if (!conn) throw new Error(`failed to load bootstrap kubeconfig ${o.bootstrapKubeconfig}: a kubeconfig our client reads directly (server, CA, token or client certificate) is needed`);
    const nc = new NodeCertificate(o, conn);
    try {
      const cert = readCurrent(o.certDir);
      if (cert && rotationDeadline(cert) > Date.now()) {
        o.log(`perNodeCertificate: using ${currentCertPath(o.certDir)} (valid until ${cert.validTo})`);
        nc.#schedule(cert);
      } else {
        o.log('Waiting for certificate');
        const deadline = Date.now() + (o.waitMs ?? FIRST_CERT_WAIT_MS);
        const issued = await nc.#renew(deadline);
        o.log(`Certificate found! (valid until ${issued.validTo})`);
        nc.#schedule(issued);
      }
    } catch (err) {
      nc.stop();
      throw new Error(`error getting perNodeClient: certificate was not signed: ${(err as Error).message}`, { cause: err });
    }
    return nc;
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.client.close();
    this.#bootstrap.close();
  }

  #schedule(cert: X509Certificate, retryMs?: number): void {
    if (this.#stopped) return;
    const delay = retryMs ?? Math.max(0, rotationDeadline(cert) - Date.now());
    // setTimeout holds 32 bits of milliseconds (24.8 days): a later deadline is reached in steps.
    const step = Math.min(delay, 0x7fffffff);
    this.#timer = setTimeout(() => {
      if (step < delay) return this.#schedule(cert, delay - step);
      void this.#rotate(cert, retryMs);
    }, step);
    this.#timer.unref();
  }

  async #rotate(old: X509Certificate, lastRetryMs?: number): Promise<void> {
    try {
      // A rotation may take until the old certificate expires.
      const next = await this.#renew(Math.max(Date.parse(old.validTo), Date.now() + 60_000));
      this.#o.log(`perNodeCertificate: rotated (valid until ${next.validTo})`);
      this.#schedule(next);
    } catch (err) {
      if (this.#stopped) return;
      // client-go retries with an exponential backoff; ours: 2 s doubling up to 5 minutes.
      const retry = Math.min((lastRetryMs ?? 1000) * 2, 300_000);
      this.#o.log(`perNodeCertificate: rotation failed, retrying in ${retry / 1000} s: ${(err as Error).message}`);
      this.#schedule(old, retry);
    }
  }

  /** One CSR, created and waited for until `deadline`; the issued pair stored. */
  async #renew(deadline: number): Promise<X509Certificate> {
    const { csrPem, keyPem } = makeCsr(this.#o.nodeName);
    const body = {
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      metadata: { generateName: 'csr-' },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: CSR_SIGNER,
        usages: CSR_USAGES,
        expirationSeconds: Math.round(this.#o.durationMs / 1000),
      },
    };
    // With a valid certificate the node's own identity asks; without one (or when it is refused), the bootstrap credentials.
    let client: KubeClient = readCurrent(this.#o.certDir) ? this.client : this.#bootstrap;
    let created: Csr;
    try {
      created = (await client.request('POST', CSR_PATH, body)) as Csr;
    } catch (err) {
      if (client === this.#bootstrap || !isUnauthorized(err)) throw new Error(`cannot create certificate signing request: ${(err as Error).message}`, { cause: err });
      client = this.#bootstrap;
      created = (await client.request('POST', CSR_PATH, body)) as Csr;
    }
    const name = created.metadata?.name ?? '';
    this.#o.log(`perNodeCertificate: certificate signing request ${name} created, waiting for approval`);
    for (;;) {
      if (this.#stopped) throw new Error('stopped');
      const csr = (await client.request('GET', `${CSR_PATH}/${encodeURIComponent(name)}`)) as Csr;
      const conds = csr.status?.conditions ?? [];
      const denied = conds.find((c) => c.type === 'Denied' || c.type === 'Failed');
      if (denied) throw new Error(`certificate signing request ${name} is ${denied.type === 'Denied' ? 'denied' : 'failed'}, reason: ${denied.reason ?? ''}, message: ${denied.message ?? ''}`);
      const approved = conds.some((c) => c.type === 'Approved');
      if (approved && csr.status?.certificate) {
        const certPem = Buffer.from(csr.status.certificate, 'base64').toString('utf8');
        const cert = new X509Certificate(certPem);
        if (!cert.checkPrivateKey(createPrivateKey(keyPem))) throw new Error(`the certificate issued for ${name} is not for the key that was sent`);
        storePair(this.#o.certDir, certPem, keyPem);
        return cert;
      }
      if (Date.now() >= deadline) throw new Error(`timed out waiting for certificate signing request ${name} to be ${approved ? 'issued' : 'approved'}`);
      await sleep(this.#o.pollMs ?? 1000);
    }
  }
}

/** The pair files of certDir (for tests and clean-up). */
export function pairFiles(certDir: string): string[] {
  return readdirSync(certDir).filter((n) => n.startsWith(`${CERT_PREFIX}-`) && n.endsWith('.pem') && n !== `${CERT_PREFIX}-current.pem`);
}
