// ADD: find the device, move it into the container under CNI_IFNAME, then apply IPAM. A
// failure after the move sends the device back to the host as it was (upstream leaves it in
// the container and only releases the IPAM allocation). DPDK devices have no netdev: nothing
// is moved and only IPAM runs.
import { ipamAdd, ipamDel, type CniRequest, type Result100 } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { configureIface, errText, openContainerNetns, withRollback } from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { findHostDevice } from './find';
import { loadConf } from './load';
import { moveLinkIn, moveLinkOut } from './move';

export async function cmdAdd(req: CniRequest): Promise<Result100> {
  const conf = loadConf(req.config);
  const netns = openContainerNetns(req.netns);
  try {
    return await withRollback(async (rb) => {
      const result: Result100 = { cniVersion: '1.1.0', interfaces: [{ name: req.ifname, sandbox: netns.path }] };
      if (!conf.dpdk) {
        let hostDev;
        try {
          hostDev = findHostDevice(conf);
        } catch (err) {
          throw new Error(`failed to find host device: ${errText(err)}`, { cause: err });
        }
        let contDev;
        try {
          contDev = moveLinkIn(hostDev, netns, req.ifname);
        } catch (err) {
          // sic: upstream has no colon here
          throw new Error(`failed to move link ${errText(err)}`, { cause: err });
        }
        rb.add('moving the device back to the host', () => moveLinkOut(netns, req.ifname, { up: hostDev.up }));
        result.interfaces = [{ name: contDev.name, mac: contDev.mac ?? '', sandbox: netns.path }];
      }
      const ipam = ipamType(conf);
      if (ipam === '') return result;
      const r = await ipamAdd(ipam, req);
      rb.add('releasing the IPAM allocation', () => ipamDel(ipam, req));
      if (!r.ips?.length) throw new Error('IPAM plugin returned missing IP config');
      const out: Result100 = { ...r, cniVersion: '1.1.0', ips: r.ips.map((ip) => ({ ...ip, interface: 0 })), interfaces: result.interfaces };
      if (!conf.dpdk) withNetns(netns, () => configureIface(req.ifname, out, { log: req.log }));
      if (conf.dns) out.dns = conf.dns;
      else delete out.dns;
      return out;
    }, req.log);
  } finally {
    netns.close();
  }
}
