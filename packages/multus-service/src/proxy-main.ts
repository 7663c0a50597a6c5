// multus-proxy --node-name NODE [--kubeconfig FILE] [--backend nftables|iptables]
//              [--cni-cache-dir DIR]... [--host-prefix DIR] [--sync-period 5m] [--cleanup] [-v]
// The per-node proxy (a DaemonSet: see deploy/multus-service.yaml).
import { hostname } from 'node:os';
import { kubeClient, logger, parseDuration, parseFlags, stopOnSignals, usageError } from './cli';
import type { RuleBackend } from './proxy/backend';

const USAGE = `usage: multus-proxy [--node-name NODE] [--kubeconfig FILE] [--backend nftables|iptables]
                    [--cni-cache-dir DIR]... [--host-prefix DIR] [--sync-period DURATION] [--cleanup] [-v]
  --node-name NODE       this node (default: $NODE_NAME, else the host name)
  --kubeconfig FILE      API server and credentials (default: the pod's service account)
  --backend B            nftables (default: one table "inet multus-proxy" per pod) or iptables
                         (iptables-restore, MULTUS-* chains in the nat table)
  --cni-cache-dir DIR    libcni cache directories holding the pods' netns paths (repeatable;
                         default /var/lib/cni/multus and /var/lib/cni)
  --host-prefix DIR      where the host's root is mounted, for the cache and netns paths (default none)
  --sync-period D        rewrite every programmed pod this often (default 5m)
  --cleanup              remove every rule and route of ours from the node's pods, then exit
  -v                     log each pod written
`;

const values = parseFlags(USAGE, {
  'node-name': { type: 'string' },
  kubeconfig: { type: 'string' },
  backend: { type: 'string', default: 'nftables' },
  'cni-cache-dir': { type: 'string', multiple: true },
  'host-prefix': { type: 'string', default: '' },
  'sync-period': { type: 'string' },
  cleanup: { type: 'boolean' },
  v: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
});
const nodeName = values['node-name'] ?? process.env.NODE_NAME ?? hostname();
// A node name becomes a field selector: keep it to what Kubernetes allows.
if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(nodeName)) usageError(USAGE, `--node-name: ${JSON.stringify(nodeName)} is not a node name`);
// Only the chosen backend is loaded (the iptables one brings plugin-kit's tool runner).
let backend: RuleBackend;
if (values.backend === 'nftables') backend = new (await import('./proxy/nftables')).NftablesBackend();
else if (values.backend === 'iptables') backend = new (await import('./proxy/iptables')).IptablesBackend();
else usageError(USAGE, `--backend: want nftables or iptables, got ${JSON.stringify(values.backend)}`);
const [{ CniCacheResolver }, { MultusProxy }] = await Promise.all([import('./proxy/netns'), import('./proxy/proxy')]);
const cacheDirs = values['cni-cache-dir'] ?? ['/var/lib/cni/multus', '/var/lib/cni'];
const { log, debug } = logger('multus-proxy', !!values.v);
const proxy = new MultusProxy(await kubeClient(values.kubeconfig), {
  nodeName,
  backend,
  resolver: new CniCacheResolver(cacheDirs, values['host-prefix']),
  syncPeriodMs: parseDuration('sync-period', values['sync-period'], USAGE),
  log,
  debug,
});

if (values.cleanup) {
  await proxy.pods.start().whenSynced();
  const n = await proxy.cleanup();
  await proxy.pods.stop();
  log(`cleaned ${n} pod network namespaces`);
  process.exit(0);
}
stopOnSignals(() => proxy.stop(), log);
await proxy.start();
log(`started on node ${nodeName} (${backend.name}): ${proxy.stats.applies} pods programmed`);
