// ADD: load the config, create the macvlan in the container, then either run IPAM and
// configure the addresses (L3) or just bring the link up (L2). Every step registers its undo;
// any failure rolls all of them back (upstream leaks the link when IPAM or ConfigureIface fails).
import { ipamAdd, ipamDel, type CniRequest, type Result100 } from '@cni-ts/cni';
import { linkSetUp, withNetns } from '@cni-ts/netlink';
import { configureIface, enableAddressNotify, errText, openContainerNetns, withRollback } from '@cni-ts/plugin-kit';
import { ipamType } from './config';
import { createMacvlan } from './create';
import { loadConf } from './load';

export async function cmdAdd(req: CniRequest): Promise<Result100> {
  const conf = loadConf(req);
  const ipam = ipamType(conf);
  const netns = openContainerNetns(req.netns);
  try {
    return await withRollback(async (rb) => {
      const iface = createMacvlan(conf, req.ifname, netns, rb);
      const result: Result100 = { cniVersion: '1.1.0', interfaces: [iface] };
      if (ipam !== '') {
        const r = await ipamAdd(ipam, req);
        rb.add('releasing the IPAM allocation', () => ipamDel(ipam, req));
        if (!r.ips?.length) throw new Error('IPAM plugin returned missing IP config');
        result.ips = r.ips.map((ip) => ({ ...ip, interface: 0 }));
        if (r.routes) result.routes = r.routes;
        withNetns(netns, () => {
          enableAddressNotify(req.ifname);
          configureIface(req.ifname, result, { log: req.log });
        });
      } else {
        withNetns(netns, () => {
          try {
            linkSetUp(req.ifname);
          } catch (err) {
            throw new Error(`failed to set ${JSON.stringify(req.ifname)} UP: ${errText(err)}`, { cause: err });
          }
        });
      }
      if (conf.dns) result.dns = conf.dns;
      return result;
    }, req.log);
  } finally {
    netns.close();
  }
}
