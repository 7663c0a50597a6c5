// A kubeconfig pointing at the stub (or any server): one cluster, one user, one context.
import { writeFileSync } from 'node:fs';

export interface KubeconfigOptions {
  server: string;
  /** A bearer token written into the file. */
  token?: string;
  /** A file the client re-reads for the token (kubeconfig `tokenFile`, client-go's spelling). */
  tokenFile?: string;
  /** Plain http needs it (client-node refuses http without it). Default: true for http://. */
  insecureSkipTlsVerify?: boolean;
  /** The current context's namespace (whereabouts keeps its pools there; default: none). */
  namespace?: string;
}

/** The kubeconfig text (YAML is a superset of JSON; JSON keeps it dependency-free). */
export function kubeconfigText(o: KubeconfigOptions): string {
  const user: Record<string, string> = {};
  if (o.token) user.token = o.token;
  if (o.tokenFile) user.tokenFile = o.tokenFile;
  const cfg = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'stub', cluster: { server: o.server, 'insecure-skip-tls-verify': o.insecureSkipTlsVerify ?? o.server.startsWith('http:') } }],
    users: [{ name: 'multus', user }],
    contexts: [{ name: 'multus-context', context: { cluster: 'stub', user: 'multus', ...(o.namespace ? { namespace: o.namespace } : {}) } }],
    'current-context': 'multus-context',
  };
  return `${JSON.stringify(cfg, null, 2)}\n`;
}

export function writeKubeconfig(file: string, o: KubeconfigOptions): string {
  writeFileSync(file, kubeconfigText(o), { mode: 0o600 });
  return file;
}
