// CHECK: the sysctls and link attributes the config asks for are what the container has.
// Fixed against upstream: MACs compare as addresses (not text), promisc is only checked when
// the config turns it on (upstream also fails whenever the link is promiscuous and the config
// does not mention promisc), sysctl values compare with runs of blanks equal (the kernel prints
// tcp_rmem with tabs), and messages print values instead of Go pointers.
import { type CniRequest, toCurrentResult } from '@cni-ts/cni';
import { findLink, parseMAC, withNetns } from '@cni-ts/netlink';
import { loadConf, requirePrevResult } from './config';
import { readSysctl } from './_fs';
import { sysctlFile } from './sysctl';
import { noDuplicates } from './validate';

const blanks = (s: string) => s.trim().replace(/\s+/g, ' ');

function sameMac(a: string, b: string | undefined): boolean {
  if (b === undefined) return false;
  try {
    return parseMAC(a).equals(parseMAC(b));
  } catch {
    return false;
  }
}

export function cmdCheck(req: CniRequest): void {
  noDuplicates(req);
  const conf = loadConf(req);
  toCurrentResult(requirePrevResult(conf));
  const files = conf.sysctl.map(([k, v]) => [sysctlFile(k, req.ifname), v] as const);
  const ifname = req.ifname;
  withNetns(req.netns, () => {
    for (const [file, want] of files) {
      const cur = readSysctl(file);
      if (cur !== want && blanks(cur) !== blanks(want)) {
        throw new Error(`Error: Tuning configured value of ${file} is ${want}, current value is ${cur}`);
      }
    }
    const link = findLink(ifname);
    if (!link) throw new Error(`Cannot find container link ${ifname}`);
    if (conf.mac !== undefined && !sameMac(conf.mac, link.mac)) {
      throw new Error(`Error: Tuning configured Ethernet of ${ifname} is ${conf.mac}, current value is ${link.mac ?? ''}`);
    }
    if (conf.promisc && !link.promisc) {
      throw new Error(`Error: Tuning link ${ifname} configured promisc is true, current value is 0`);
    }
    if (conf.mtu !== 0 && conf.mtu !== link.mtu) {
      throw new Error(`Error: Tuning configured MTU of ${ifname} is ${conf.mtu}, current value is ${link.mtu}`);
    }
    if (conf.allmulti !== undefined && conf.allmulti !== link.allmulti) {
      throw new Error(`Error: Tuning configured all-multicast mode of ${ifname} is ${conf.allmulti}, current value is ${link.allmulti}`);
    }
    if (conf.txQLen !== undefined && conf.txQLen !== link.txqlen) {
      throw new Error(`Error: Tuning configured Transmit Queue Length of ${ifname} is ${conf.txQLen}, current value is ${link.txqlen}`);
    }
  });
}
