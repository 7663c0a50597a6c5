// What the whereabouts DaemonSet does on every node (upstream's install-cni.sh and
// token-watcher.sh): the plugin binary into the host's CNI bin directory, a kubeconfig from the
// pod's service account (rewritten when the token or CA rotates: bound tokens expire), the flat
// file whereabouts.conf naming it, and the node's name for GC. Every file is written atomically.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { installFileAtomic, writeFileAtomic } from '@cni-ts/cni/fs';
import { syncKubeconfig } from '@cni-ts/multus-thick';

export interface InstallOptions {
  /** The plugin binary in the image. */
  binary: string;
  /** The host's CNI bin directory as mounted (`/host/opt/cni/bin`). */
  cniBinDir: string;
  /** The host's CNI config directory as mounted (`/host/etc/cni/net.d`). */
  cniConfDir: string;
  /** The same directory as the host (and so the plugin) sees it. */
  hostCniConfDir: string;
  namespace: string;
  nodeName: string;
  cronExpression: string;
  env: Readonly<Record<string, string | undefined>>;
  saDir?: string;
  skipTlsVerify?: boolean;
}

export interface Installed {
  kubeconfig: string;
  /** Call periodically: rewrites the kubeconfig when the token or CA changed. */
  refresh(): void;
}

export function install(o: InstallOptions): Installed {
  const dir = path.join(o.cniConfDir, 'whereabouts.d');
  const hostDir = path.join(o.hostCniConfDir, 'whereabouts.d');
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const kubeconfig = path.join(dir, 'whereabouts.kubeconfig');
  const source = {
    saDir: o.saDir,
    env: o.env,
    skipTlsVerify: o.skipTlsVerify,
    owner: { comment: 'the Whereabouts CNI plugin', user: 'whereabouts', context: 'whereabouts-context' },
    namespace: o.namespace,
  };
  let hash = syncKubeconfig(kubeconfig, source);
  const conf = {
    datastore: 'kubernetes',
    configuration_path: hostDir,
    kubernetes: { kubeconfig: path.join(hostDir, 'whereabouts.kubeconfig') },
    reconciler_cron_expression: o.cronExpression,
  };
  writeFileAtomic(path.join(dir, 'whereabouts.conf'), `${JSON.stringify(conf, null, 2)}\n`, { mode: 0o600 });
  if (o.nodeName) writeFileAtomic(path.join(dir, 'nodename'), o.nodeName, { mode: 0o600 });
  installFileAtomic(o.binary, path.join(o.cniBinDir, 'whereabouts'));
  return {
    kubeconfig,
    refresh() {
      hash = syncKubeconfig(kubeconfig, source, hash);
    },
  };
}
