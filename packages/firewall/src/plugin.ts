// The firewall meta plugin: lets the container's traffic through the host's filter FORWARD chain
// (iptables backend) or puts its addresses in a firewalld zone (firewalld backend), and with
// ingressPolicy same-bridge/isolated keeps other bridges' (or its own bridge's) traffic out.
// ADD reads top-down: config, the backend, its rules, the ingress policy, the previous result.
import type { CniRequest, Plugin } from '@cni-ts/cni';
import type { Backend } from './backend';
import { configSchema, loadConf, type FirewallConf } from './config';
import { firewalldBackend, isFirewalldRunning } from './firewalld';
import { iptablesBackend, setupIngressPolicy } from './iptables';
import { SUPPORTED_VERSIONS } from './versions';

/** getBackend: as configured, else firewalld when it is running, else iptables. */
async function backendOf(conf: FirewallConf, req: CniRequest): Promise<{ kind: 'iptables' | 'firewalld'; backend: Backend }> {
  const kind = conf.backend === 'iptables' || conf.backend === 'firewalld' ? conf.backend : (await isFirewalldRunning(req.env)) ? 'firewalld' : 'iptables';
  return { kind, backend: kind === 'firewalld' ? firewalldBackend(conf, req.env) : iptablesBackend(conf, req.env) };
}

const firewall: Plugin = {
  type: 'firewall',
  supportedVersions: SUPPORTED_VERSIONS,
  configSchema: () => configSchema,

  async add(req) {
    const conf = loadConf(req);
    if (!conf.hasPrevResult) throw new Error('missing prevResult from earlier plugin');
    const { kind, backend } = await backendOf(conf, req);
    await backend.add(); // the iptables backend applies the ingress policy in the same batch
    if (kind === 'firewalld') setupIngressPolicy(conf, req.env);
    return conf.result;
  },

  async check(req) {
    const conf = loadConf(req);
    if (!conf.hasPrevResult) throw new Error('missing prevResult from earlier plugin');
    await (await backendOf(conf, req)).backend.check();
  },

  // Idempotent; without a prevResult there is nothing to remove (as upstream).
  async del(req) {
    const conf = loadConf(req);
    await (await backendOf(conf, req)).backend.del();
  },
};

export default firewall;
