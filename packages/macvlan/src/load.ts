// loadConf for ADD and CHECK: the decoded config, completed with the default master, checked
// against the master's MTU, with the MAC from CNI_ARGS and runtimeConfig applied.
import type { CniRequest } from '@cni-ts/cni';
import { linkByName } from '@cni-ts/netlink';
import { defaultRouteInterface, errText, inMasterNetns } from '@cni-ts/plugin-kit';
import { decodeNetConf, type NetConf } from './config';

/** A NetConf whose master is known. */
export type LoadedConf = NetConf & { master: string };

export { inMasterNetns } from '@cni-ts/plugin-kit';

/** CNI_ARGS: MAC is the only key besides IgnoreUnknown (field names are case-sensitive). */
const ARGS = { MAC: 'string' } as const;

export function loadConf(req: CniRequest): LoadedConf {
  const n = decodeNetConf(req.config);
  // Bare errors, as upstream returns them ("Link not found", "no default route interface found").
  const master = n.master || inMasterNetns(n, req.netns, () => defaultRouteInterface());
  let masterMtu: number;
  try {
    masterMtu = inMasterNetns(n, req.netns, () => linkByName(master).mtu);
  } catch (err) {
    throw new Error(errText(err), { cause: err });
  }
  const mtu = n.mtu ?? 0;
  if (mtu < 0 || mtu > masterMtu) throw new Error(`invalid MTU ${mtu}, must be [0, master MTU(${masterMtu})]`);
  const conf: LoadedConf = { ...n, master };
  if (req.args.raw !== '') {
    const args = req.args.load(ARGS);
    if (args.MAC) conf.mac = args.MAC;
  }
  if (n.runtimeConfig?.mac) conf.mac = n.runtimeConfig.mac;
  return conf;
}
