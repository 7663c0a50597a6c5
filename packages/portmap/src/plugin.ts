// The portmap meta plugin: forwards host ports to the container address the previous plugin
// assigned (DNAT), marks hairpin and localhost connections for masquerading, flushes stale UDP
// conntrack entries of the mapped ports and lets 127/8 cross into the container's bridge
// (route_localnet). The rules live in the host namespace (the plugin's own): iptables or nftables.
// ADD reads top-down: config, the container addresses, per family the rules, conntrack, sysctl.
import { gcValidAttachments, toCurrentResult, type CniRequest, type Plugin } from '@cni-ts/cni';
import { conntrackDelete, linkByIndex, routeList, sysctlSet } from '@cni-ts/netlink';
import { networkOf, splitCIDR } from '@cni-ts/plugin-kit';
import { configSchema, loadConf, type PortMapConf } from './config';
import { iptablesGc, iptablesMapper } from './iptables';
import type { Mapper } from './mapper';
import { nftablesGc, nftablesMapper } from './nftables';

const mapperOf = (conf: PortMapConf, req: CniRequest): Mapper => (conf.backend === 'nftables' ? nftablesMapper(req.env) : iptablesMapper(req.env));

const portmap: Plugin = {
  type: 'portmap',
  configSchema: () => configSchema,

  add(req) {
    const conf = loadConf(req, 'failed to parse config');
    if (!conf.prevResult) throw new Error('must be called as chained plugin');
    if (conf.portMappings.length === 0) return conf.prevResult;
    const mapper = mapperOf(conf, req);
    if (conf.contIPv4) {
      mapper.forwardPorts(conf, conf.contIPv4);
      flushUdpConntrack(conf, 4, req);
      if (conf.snat) {
        // route_localnet on the host link toward the container, so that 127/8 may cross to it.
        const hostIf = routableHostIf(splitCIDR(conf.contIPv4).ip);
        if (hostIf) {
          try {
            sysctlSet(`net/ipv4/conf/${hostIf}/route_localnet`, '1');
          } catch (err) {
            throw new Error(`unable to enable route_localnet: ${(err as Error).message}`, { cause: err });
          }
        }
      }
    }
    if (conf.contIPv6) {
      mapper.forwardPorts(conf, conf.contIPv6);
      flushUdpConntrack(conf, 6, req);
    }
    return toCurrentResult(conf.prevResult);
  },

  check(req) {
    const conf = loadConf(req);
    if (!conf.prevResult) throw new Error('Required prevResult missing');
    if (conf.portMappings.length === 0) return;
    const mapper = mapperOf(conf, req);
    if (conf.contIPv4) mapper.checkPorts(conf, conf.contIPv4);
    if (conf.contIPv6) mapper.checkPorts(conf, conf.contIPv6);
  },

  // Idempotent, and needs neither the container's netns nor its addresses: rules are found by
  // the container chain's name (iptables) or the container ID comment (nftables).
  del(req) {
    const conf = loadConf(req, 'failed to parse config');
    if (conf.portMappings.length === 0) return;
    mapperOf(conf, req).unforwardPorts(conf);
    flushContainerConntrack(conf, req);
  },

  // Spec 1.1 GC (upstream has none): this network's rules of attachments not among
  // cni.dev/valid-attachments, in the backend the config selects. iptables: the container chains
  // (named by network and container ID; their entry rule's comment gives the ID back); nftables:
  // the rules tagged with this network and an attachment (container ID, interface) not kept.
  // Without the key nothing is known to be stale and nothing is removed.
  gc(req) {
    const conf = loadConf(req);
    const valid = gcValidAttachments(req.config);
    if (valid === undefined) return;
    const errors =
      conf.backend === 'nftables'
        ? nftablesGc(conf.name, new Set(valid.map((a) => `${a.containerID}\0${a.ifname}`)))
        : iptablesGc(req.env, conf.name, new Set(valid.map((a) => a.containerID)));
    if (errors.length > 0) throw new Error(`portmap GC: ${errors.join('; ')}`);
  },
};

export default portmap;

/** deletePortmapStaleConnections: UDP entries to a mapped host port; failures are only logged. */
function flushUdpConntrack(conf: PortMapConf, family: 4 | 6, req: CniRequest): void {
  for (const pm of conf.portMappings) {
    if (pm.protocol.toLowerCase() !== 'udp') continue;
    try {
      conntrackDelete({ family, proto: 'udp', origDstPort: pm.hostPort });
    } catch (err) {
      req.log(`failed to delete stale UDP conntrack entries for ${family === 4 ? conf.contIPv4 : conf.contIPv6}: ${(err as Error).message}`);
      return;
    }
  }
}

/**
 * cni-ts (upstream PR #1277 is still open): on DEL, the connections to a mapped host port that
 * were DNATed to this container (reply source = its address) are forgotten, so none of them
 * outlives the container. Needs the prevResult (runtimes pass it on DEL); failures are logged.
 */
function flushContainerConntrack(conf: PortMapConf, req: CniRequest): void {
  for (const cidr of [conf.contIPv4, conf.contIPv6]) {
    if (!cidr) continue;
    const { ip, family } = splitCIDR(cidr);
    for (const pm of conf.portMappings) {
      const proto = pm.protocol.toLowerCase();
      if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') continue;
      try {
        conntrackDelete({ family, proto, origDstPort: pm.hostPort, replySrc: ip });
      } catch (err) {
        req.log(`failed to delete conntrack entries of ${proto} port ${pm.hostPort} to ${ip}: ${(err as Error).message}`);
      }
    }
  }
}

/**
 * getRoutableHostIF: the link the host routes the container address through (the most specific
 * main-table route containing it; upstream asks the kernel with RTM_GETROUTE), or '' for none.
 */
function routableHostIf(ip: string): string {
  let best: { len: number; oif: number } | undefined;
  let routes: ReturnType<typeof routeList>;
  try {
    routes = routeList({ family: 4 });
  } catch {
    return ''; // no main table yet (a namespace without routes): nothing routes to the container
  }
  for (const r of routes) {
    if (r.oif === undefined) continue;
    const len = r.dst === undefined ? 0 : splitCIDR(r.dst).prefix;
    if (r.dst !== undefined && networkOf(`${ip}/${len}`) !== networkOf(r.dst)) continue;
    if (!best || len > best.len) best = { len, oif: r.oif };
  }
  if (!best) return '';
  try {
    return linkByIndex(best.oif).name;
  } catch {
    return '';
  }
}
