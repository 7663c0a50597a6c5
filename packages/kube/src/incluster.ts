// The in-cluster configuration (no kubeconfig, KUBERNETES_SERVICE_HOST/PORT set), as
// client-go's InClusterConfig builds it: https to the service address whatever its port, the
// service account's CA and token, the token re-read as it rotates. Nothing is read here; the CA
// and the token are read at the first request (a missing file fails that request).
import { readFileSync } from 'node:fs';
import { isIPv6 } from 'node:net';
import type { Connection } from './connection';
import { TokenFile } from './token-file';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export interface InClusterPaths {
  caFile?: string;
  tokenFile?: string;
  namespaceFile?: string;
}

/** The service account's namespace (client-go's inClusterClientConfig.Namespace); undefined when unreadable. */
function serviceAccountNamespace(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

export function inClusterConnection(env: Readonly<Record<string, string | undefined>>, paths: InClusterPaths = {}): Connection {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  const serverHost = host && isIPv6(host) ? `[${host}]` : host;
  return {
    server: `https://${serverHost}:${port}`,
    ca: { file: paths.caFile ?? `${SERVICE_ACCOUNT_DIR}/ca.crt` },
    skipTLSVerify: false,
    tokenFile: new TokenFile(paths.tokenFile ?? `${SERVICE_ACCOUNT_DIR}/token`),
    namespace: env.POD_NAMESPACE || serviceAccountNamespace(paths.namespaceFile ?? `${SERVICE_ACCOUNT_DIR}/namespace`),
  };
}
