// The bandwidth meta plugin: shapes the traffic of the veth a main plugin (bridge, ptp) gave the
// container, on the host end of that veth. Towards the container: a TBF as root qdisc of the host
// veth. From the container: the host veth's ingress is redirected (u32 match-all + mirred) to an
// IFB `bwp<hash>` whose root TBF does the shaping. ADD reads top-down: config and the entry in
// force, the previous result, the host veth, ingress shaping, egress shaping, the result.
// Unlike upstream, a failure mid-ADD removes what this ADD made (the TBF, the IFB), and the
// cases where upstream panics (no prevResult, CHECK without bandwidth on v1.1.1) are errors.
import { toCurrentResult, versionsStartingFrom, type Interface100, type Plugin, type Result100 } from '@cni-ts/cni';
import {
  bandwidthTbf,
  filterAdd,
  linkAdd,
  linkByIndex,
  linkByName,
  pschedClock,
  qdiscAdd,
  qdiscDel,
  qdiscList,
  withNetns,
  type Netns,
} from '@cni-ts/netlink';
import { delLinkIfExists, errText, formatHashWithPrefix, openContainerNetns, vethPeerIndex, withRollback } from '@cni-ts/plugin-kit';
import { configSchema, isZero, loadConf } from './config';

const IFB_PREFIX = 'bwp';
const MAX_IFB_LENGTH = 15;

/** getIfbDeviceName: `bwp` + the first 12 hex digits of sha512(network name + container ID). */
export function ifbName(network: string, containerId: string): string {
  return formatHashWithPrefix(MAX_IFB_LENGTH, IFB_PREFIX, network + containerId);
}

const bandwidth: Plugin = {
  type: 'bandwidth',
  supportedVersions: versionsStartingFrom('0.3.0'),
  configSchema: () => configSchema,

  async add(req) {
    const { conf, bandwidth: bw, prevResult } = loadConf(req);
    // Nothing to shape: the previous result goes on unchanged (upstream panics when there is none).
    if (prevResult === undefined) throw new Error('must be called as chained plugin');
    const result: Result100 = toCurrentResult(prevResult);
    if (bw === undefined || isZero(bw)) return result;

    const host = hostInterface(result.interfaces ?? [], req.ifname, req.netns);
    const clock = pschedClock();
    return withRollback((rb) => {
      if (bw.ingressRate > 0 && bw.ingressBurst > 0) {
        const veth = hostLink(host.name);
        createTbf(bw.ingressRate, bw.ingressBurst, veth);
        rb.add('removing the TBF of the host veth', () => qdiscDel({ link: veth, parent: 'root' }));
      }
      if (bw.egressRate > 0 && bw.egressBurst > 0) {
        const veth = hostLink(host.name);
        const mtu = linkByIndex(veth).mtu;
        const name = ifbName(conf.name ?? '', req.containerId);
        try {
          linkAdd({ kind: 'ifb', name, mtu, txqlen: 0, up: true });
        } catch (err) {
          throw new Error(`adding link: ${errText(err)}`, { cause: err });
        }
        rb.add(`deleting ${name}`, () => delLinkIfExists(name));
        const ifb = linkByName(name);
        result.interfaces = [...(result.interfaces ?? []), { name, mac: ifb.mac ?? '' }];
        try {
          qdiscAdd({ kind: 'ingress', link: veth });
        } catch (err) {
          throw new Error(`create ingress qdisc: ${errText(err)}`, { cause: err });
        }
        // The filter goes with the ingress qdisc.
        rb.add('removing the ingress qdisc of the host veth', () => qdiscDel({ link: veth, parent: 'ingress' }));
        try {
          // One mirred action: upstream's filter carries a second one after it that never runs.
          filterAdd({ kind: 'u32', link: veth, parent: 'ffff:', priority: 1, protocol: 'all', classid: '1:1', actions: [{ kind: 'mirred', dev: ifb.index }] });
        } catch (err) {
          throw new Error(`add filter: ${errText(err)}`, { cause: err });
        }
        try {
          createTbf(bw.egressRate, bw.egressBurst, ifb.index);
        } catch (err) {
          throw new Error(`create ifb qdisc: ${errText(err)}`, { cause: err });
        }
      }
      return result;
    }, req.log);

    function createTbf(rateBits: number, burstBits: number, link: number): void {
      let tbf;
      try {
        tbf = bandwidthTbf(rateBits, burstBits, clock);
      } catch (err) {
        throw new Error(errText(err), { cause: err });
      }
      try {
        qdiscAdd({ kind: 'tbf', link, handle: '1:', parent: 'root', rate: tbf.rate, buffer: tbf.buffer, limit: tbf.limit });
      } catch (err) {
        throw new Error(`create qdisc: ${errText(err)}`, { cause: err });
      }
    }
  },

  // The qdiscs of the configured directions must hold the parameters ADD computed.
  check(req) {
    const { conf, bandwidth: bw, prevResult } = loadConf(req);
    if (prevResult === undefined) throw new Error('must be called as a chained plugin');
    const host = hostInterface(prevResult.interfaces ?? [], req.ifname, req.netns);
    const veth = hostLink(host.name);
    if (bw === undefined || isZero(bw)) return;
    const clock = pschedClock();
    if (bw.ingressRate > 0 && bw.ingressBurst > 0) checkTbf(veth, bandwidthTbf(bw.ingressRate, bw.ingressBurst, clock));
    if (bw.egressRate > 0 && bw.egressBurst > 0) {
      const name = ifbName(conf.name ?? '', req.containerId);
      let ifb: number;
      try {
        ifb = linkByName(name).index;
      } catch (err) {
        throw new Error(`get ifb device: ${errText(err)}`, { cause: err });
      }
      checkTbf(ifb, bandwidthTbf(bw.egressRate, bw.egressBurst, clock));
    }
  },

  // The IFB is ours to delete (not-found is fine); the host veth's qdiscs go with the veth.
  del(req) {
    const { conf } = loadConf(req);
    delLinkIfExists(ifbName(conf.name ?? '', req.containerId));
  },
};

export default bandwidth;

/**
 * getHostInterface: the entry of `interfaces` outside any sandbox that is the host end of the
 * veth whose container end is `ifname`.
 */
function hostInterface(interfaces: Interface100[], ifname: string, netnsPath: string): Interface100 {
  if (interfaces.length === 0) throw new Error('no interfaces provided');
  const netns: Netns = openContainerNetns(netnsPath);
  let peerIndex: number;
  try {
    peerIndex = withNetns(netns, () => vethPeerIndex(ifname).peerIndex);
  } catch (err) {
    throw new Error(`container interface ${ifname} has no veth peer: ${errText(err)}`, { cause: err });
  } finally {
    netns.close();
  }
  let name: string;
  try {
    name = linkByIndex(peerIndex).name;
  } catch {
    throw new Error(`veth peer with index ${peerIndex} is not in host ns`);
  }
  const found = interfaces.find((i) => !i.sandbox && i.name === name);
  if (!found) throw new Error('no veth peer of container interface found in host ns');
  return found;
}

function hostLink(name: string): number {
  try {
    return linkByName(name).index;
  } catch (err) {
    throw new Error(`get host device: ${errText(err)}`, { cause: err });
  }
}

/** The root TBF of `link` must have the rate, limit and buffer ADD gives it. */
function checkTbf(link: number, want: { rate: number; limit: number; buffer: number }): void {
  const tbf = qdiscList(link).find((q) => q.root && q.data?.kind === 'tbf');
  if (!tbf || tbf.data?.kind !== 'tbf') throw new Error('Failed to find qdisc');
  const have = tbf.data as { rate: number; limit: number; buffer: number };
  if (have.rate !== want.rate) throw new Error("Rate doesn't match");
  if (have.limit !== want.limit) throw new Error("Limit doesn't match");
  if (have.buffer !== want.buffer) throw new Error("Buffer doesn't match");
}
