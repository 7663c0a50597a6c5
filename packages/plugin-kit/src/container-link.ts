// CHECK's first look at the interface of prevResult, with the texts upstream's ipvlan and
// host-device share (capitalised; macvlan's differ and stay in macvlan).
import type { Interface100 } from '@cni-ts/cni';
import { linkByName, type Link } from '@cni-ts/netlink';

/** The link named by `intf` in the current (container) netns, which prevResult must place in a sandbox. */
export function containerLink(intf: Interface100): Link {
  if (intf.name === '') throw new Error(`Container interface name missing in prevResult: ${intf.name}`);
  let link;
  try {
    link = linkByName(intf.name);
  } catch {
    throw new Error(`Container Interface name in prevResult: ${intf.name} not found`);
  }
  if (!intf.sandbox) throw new Error(`Error: Container interface ${link.name} should not be in host namespace`);
  return link;
}

/** The MAC of prevResult, when it has one, must be the link's. */
export function checkContainerMac(intf: Interface100, link: Link): void {
  if (intf.mac && intf.mac !== link.mac) {
    throw new Error(`Interface ${intf.name} Mac ${intf.mac} doesn't match container Mac: ${link.mac ?? ''}`);
  }
}
