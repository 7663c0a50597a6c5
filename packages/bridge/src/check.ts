// CHECK: IPAM CHECK first (unconditionally, as upstream: a layer-2 config fails with
// "no plugin name provided"), then the previous result against the kernel: the bridge, the
// container veth, the host veth that pairs them, the container's addresses and routes.
import { ipamCheck, type CniRequest, type Interface100 } from '@cni-ts/cni';
import { linkByName, withNetns, type Link } from '@cni-ts/netlink';
import { containerInterface, openContainerNetns, prevResultOf, validateExpectedInterfaceIPs, validateExpectedRoute, vethPeerIndex } from '@cni-ts/plugin-kit';
import { loadNetConf, type BridgeConf } from './config';

interface Found {
  name: string;
  index: number;
  peerIndex: number;
  masterIndex: number;
  found: boolean;
}

const none = (): Found => ({ name: '', index: 0, peerIndex: 0, masterIndex: 0, found: false });

function lookup(intf: Interface100, expectInSandbox: boolean): Link {
  if (intf.name === '') throw new Error('Interface name missing ');
  let link: Link;
  try {
    link = linkByName(intf.name);
  } catch {
    throw new Error(`Interface name ${intf.name} not found`);
  }
  if (expectInSandbox && !intf.sandbox) throw new Error(`Interface ${intf.name} is expected to be in a sandbox`);
  if (!expectInSandbox && intf.sandbox) throw new Error(`Interface ${intf.name} should not be in sandbox`);
  return link;
}

function checkBridge(intf: Interface100, n: BridgeConf): Found {
  const link = lookup(intf, false);
  if (link.kind !== 'bridge') throw new Error(`Interface ${intf.name} does not have link type of bridge`);
  if (intf.mac && intf.mac !== link.mac) throw new Error(`Bridge interface ${intf.name} Mac doesn't match: ${intf.mac}`);
  if (link.promisc !== n.promiscMode) {
    throw new Error(`Bridge interface ${intf.name} configured Promisc Mode ${n.promiscMode} doesn't match current state: ${link.promisc} `);
  }
  return { name: link.name, index: link.index, peerIndex: 0, masterIndex: link.master ?? 0, found: true };
}

function checkContainerVeth(intf: Interface100): Found {
  const link = lookup(intf, true);
  if (link.kind !== 'veth') throw new Error(`Error: Container interface ${link.name} not of type veth`);
  let peerIndex: number;
  try {
    peerIndex = vethPeerIndex(link.name).peerIndex;
  } catch {
    throw new Error(`Unable to obtain veth peer index for veth ${link.name}`);
  }
  if (intf.mac && intf.mac !== link.mac) throw new Error(`Interface ${intf.name} Mac ${intf.mac} doesn't match container Mac: ${link.mac}`);
  return { name: link.name, index: link.index, peerIndex, masterIndex: 0, found: true };
}

/** A host veth whose peer is the container interface and whose master is the bridge (others are skipped). */
function checkHostVeth(intf: Interface100, br: Found, cont: Found): Found {
  const link = lookup(intf, false);
  if (link.kind !== 'veth') return none();
  let peerIndex: number;
  try {
    peerIndex = vethPeerIndex(link.name).peerIndex;
  } catch {
    throw new Error(`Unable to obtain veth peer index for veth ${link.name}`);
  }
  if (link.index !== cont.peerIndex || cont.index !== peerIndex || (link.master ?? 0) !== br.index) return none();
  if (intf.mac && intf.mac !== link.mac) throw new Error(`Interface ${intf.name} Mac doesn't match: ${intf.mac} not found`);
  return { name: link.name, index: link.index, peerIndex, masterIndex: link.master ?? 0, found: true };
}

export async function cmdCheck(req: CniRequest): Promise<void> {
  const n = loadNetConf(req.config, req.args.raw);
  const netns = openContainerNetns(req.netns);
  try {
    await ipamCheck(n.ipamType, req);
    const result = prevResultOf(n.prevResult, req.cniVersion);
    if (!result) throw new Error('Required prevResult missing');

    const brMap = (result.interfaces ?? []).findLast((i) => i.name === n.brName) ?? { name: '' };
    const contMap = containerInterface(result, req.ifname, req.netns);
    const brFound = checkBridge(brMap, n);
    if (req.netns !== (contMap.sandbox ?? '')) {
      throw new Error(`Sandbox in prevResult ${contMap.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
    }
    const contFound = withNetns(netns, () => checkContainerVeth(contMap));
    let vethFound = none();
    for (const intf of result.interfaces ?? []) {
      if (intf.name === brMap.name || intf.name === contMap.name) continue;
      vethFound = checkHostVeth(intf, brFound, contFound);
      if (vethFound.found) break;
    }
    if (!brFound.found) throw new Error(`CNI created bridge ${n.brName} in host namespace was not found`);
    if (!contFound.found) throw new Error(`CNI created interface in container ${req.ifname} not found`);
    if (!vethFound.found) throw new Error(`CNI veth created for bridge ${n.brName} was not found`);

    withNetns(netns, () => {
      validateExpectedInterfaceIPs(req.ifname, result.ips);
      validateExpectedRoute(result.routes);
    });
  } finally {
    netns.close();
  }
}
