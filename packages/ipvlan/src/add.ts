// ADD: load the config, create the ipvlan in the container, take the addresses from IPAM (or,
// chained without IPAM, from prevResult) and configure them. Any failure rolls everything back
// (upstream leaves the link in the container when IPAM or ConfigureIface fails).
import { ipamAdd, ipamDel, type CniRequest, type Result100 } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { configureIface, enableAddressNotify, openContainerNetns, withRollback } from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { createIpvlan } from './create';
import { loadConf } from './load';

export async function cmdAdd(req: CniRequest): Promise<Result100> {
  const conf = loadConf(req);
  const ipam = ipamType(conf);
  const netns = openContainerNetns(req.netns);
  try {
    return await withRollback(async (rb) => {
      const iface = createIpvlan(conf, req.ifname, netns, rb);
      let result: Result100;
      if (ipam === '' && conf.prev?.ips?.length) {
        result = { ...conf.prev, cniVersion: '1.1.0' };
      } else {
        const r = await ipamAdd(ipam, req);
        rb.add('releasing the IPAM allocation', () => ipamDel(ipam, req));
        if (!r.ips?.length) throw new Error('IPAM plugin returned missing IP config');
        result = { ...r, cniVersion: '1.1.0' };
      }
      result.ips = result.ips!.map((ip) => ({ ...ip, interface: 0 }));
      result.interfaces = [iface];
      withNetns(netns, () => {
        enableAddressNotify(req.ifname);
        configureIface(req.ifname, result, { log: req.log });
      });
      // Upstream: the config's dns, even when chained (prevResult's dns is dropped).
      if (conf.dns) result.dns = conf.dns;
      else delete result.dns;
      return result;
    }, req.log);
  } finally {
    netns.close();
  }
}
