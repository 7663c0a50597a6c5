// The vrf meta plugin: puts the interface the plugins before it made (CNI_IFNAME) into a VRF of
// the container namespace, creating the VRF when it is missing, keeping the interface's IPv6
// addresses and routes (moved to the VRF's table). ADD reads top-down: config, prevResult, the
// VRF, the interface, the unchanged result. DEL frees the interface and removes a VRF left empty.
import { toCurrentResult, versionsStartingFrom, type Plugin } from '@cni-ts/cni';
import { linkDel, withNetns } from '@cni-ts/netlink';
import { errText, isNetnsGone, openContainerNetns } from '@cni-ts/plugin-kit';
import { configSchema, loadConf } from './config';
import { addInterface, createVrf, findVrf, resetMaster, slavesOf } from './vrf';

const vrf: Plugin = {
  type: 'vrf',
  supportedVersions: versionsStartingFrom('0.3.1'),
  configSchema: () => configSchema,

  add(req) {
    const conf = loadConf(req);
    if (conf.result === undefined) throw new Error('missing prevResult from earlier plugin');
    const netns = openContainerNetns(req.netns);
    try {
      withNetns(netns, () => {
        let v = findVrf(conf.vrfname);
        if (v && conf.table !== 0 && v.table !== conf.table) {
          throw new Error(`VRF ${conf.vrfname} already exist with different routing table ${v.table}`);
        }
        // A VRF this ADD creates is removed again if enslaving fails (upstream leaves it).
        const created = v === undefined;
        v ??= createVrf(conf.vrfname, conf.table);
        try {
          addInterface(v, req.ifname);
        } catch (err) {
          if (created && slavesOf(v).length === 0) linkDel(v.index);
          throw err;
        }
      });
    } catch (err) {
      throw new Error(`cmdAdd failed: ${errText(err)}`, { cause: err });
    } finally {
      netns.close();
    }
    return toCurrentResult(conf.result);
  },

  // The interface must be a slave of the VRF.
  check(req) {
    const conf = loadConf(req);
    if (conf.result === undefined) throw new Error('missing prevResult from earlier plugin');
    const netns = openContainerNetns(req.netns);
    try {
      withNetns(netns, () => {
        const v = findVrf(conf.vrfname);
        if (v === undefined) throw new Error('Link not found');
        if (!slavesOf(v).some((l) => l.name === req.ifname)) {
          throw new Error(`failed to find ${req.ifname} associated to vrf ${conf.vrfname}`);
        }
      });
    } finally {
      netns.close();
    }
  },

  // A missing namespace or VRF is success; else the interface leaves the VRF, and a VRF without
  // slaves is deleted.
  del(req) {
    const conf = loadConf(req);
    let netns;
    try {
      netns = openContainerNetns(req.netns);
    } catch (err) {
      if (req.netns === '' || isNetnsGone(err)) return;
      throw err;
    }
    try {
      withNetns(netns, () => {
        const v = findVrf(conf.vrfname);
        if (v === undefined) return;
        resetMaster(req.ifname);
        if (slavesOf(v).length === 0) linkDel(v.index);
      });
    } finally {
      netns.close();
    }
  },
};

export default vrf;
