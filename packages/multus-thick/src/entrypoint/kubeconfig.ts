// The kubeconfig Multus reads on the host, built from the pod's service account; rewritten
// whenever the projected token or CA changes (bound tokens expire: upstream's reference
// DaemonSet never refreshes it, multus-cni#852).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@cni-ts/cni';

export const SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface KubeconfigSource {
  saDir?: string;
  env: Readonly<Record<string, string | undefined>>;
  skipTlsVerify?: boolean;
  /** Whose kubeconfig: the comment line, user and context names (default Multus's). */
  owner?: { comment: string; user: string; context: string };
  /** The context's namespace (whereabouts keeps its objects there); none by default. */
  namespace?: string;
}

function serverUrl(env: KubeconfigSource['env']): string {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) throw new Error('KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set');
  const proto = env.KUBERNETES_SERVICE_PROTOCOL || 'https';
  return `${proto}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function kubeconfigYaml(src: KubeconfigSource): { text: string; hash: string } {
  const dir = src.saDir ?? SA_DIR;
  const token = readFileSync(`${dir}/token`, 'utf8').trim();
  const ca = src.skipTlsVerify ? undefined : readFileSync(`${dir}/ca.crt`);
  const tls = ca ? `    certificate-authority-data: ${ca.toString('base64')}` : '    insecure-skip-tls-verify: true';
  const owner = src.owner ?? { comment: 'Multus CNI plugin', user: 'multus', context: 'multus-context' };
  const text = [
    `# Kubeconfig file for ${owner.comment}.`,
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: local',
    '  cluster:',
    `    server: ${serverUrl(src.env)}`,
    tls,
    'users:',
    `- name: ${owner.user}`,
    '  user:',
    `    token: "${token}"`,
    'contexts:',
    `- name: ${owner.context}`,
    '  context:',
    '    cluster: local',
    `    user: ${owner.user}`,
    ...(src.namespace ? [`    namespace: ${src.namespace}`] : []),
    `current-context: ${owner.context}`,
    '',
  ].join('\n');
  return { text, hash: createHash('sha256').update(text).digest('hex') };
}

/** Writes the kubeconfig (0600, atomically) when its content changed; returns the new hash. */
export function syncKubeconfig(dest: string, src: KubeconfigSource, lastHash?: string): string {
  const { text, hash } = kubeconfigYaml(src);
  if (hash !== lastHash) writeFileAtomic(dest, text, { mode: 0o600 });
  return hash;
}
