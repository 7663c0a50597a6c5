// A link stacked on a host master (macvlan, ipvlan), made under a random temporary name (a
// kernel bug can make the final name collide with a host link while it is created there)
// directly inside the container namespace, then renamed there to CNI_IFNAME.
import type { Interface100 } from '@cni-ts/cni';
import { linkAdd, linkByName, withNetns, type LinkSpec, type Netns } from '@cni-ts/netlink';
import { errText } from './errors';
import { delLinkIfExists, randomVethName, renameLink } from './link';
import type { Rollback } from './rollback';

export interface ChildLinkOptions {
  /** The link kind as error texts name it ("failed to create macvlan"). */
  kind: string;
  master: string;
  /** The master lives in the container namespace. */
  linkInContainer?: boolean | undefined;
  ifname: string;
  netns: Netns;
  rb: Rollback;
  /** The link to add, given its temporary name and the master's index (called after the master lookup). */
  spec: (name: string, parent: number) => LinkSpec;
}

/** Creates the link, registers its deletion on `rb`, and returns it as a result interface. */
export function createChildLink(o: ChildLinkOptions): Interface100 {
  const { kind, ifname, netns, rb } = o;
  const where = <T>(fn: () => T): T => (o.linkInContainer ? withNetns(netns, fn) : fn());
  let parent: number;
  try {
    parent = where(() => linkByName(o.master).index);
  } catch (err) {
    throw new Error(`failed to lookup master ${JSON.stringify(o.master)}: ${errText(err)}`, { cause: err });
  }
  const tmpName = randomVethName();
  const spec = o.spec(tmpName, parent);
  try {
    where(() => linkAdd(spec));
  } catch (err) {
    throw new Error(`failed to create ${kind}: ${errText(err)}`, { cause: err });
  }
  return withNetns(netns, () => {
    try {
      renameLink(tmpName, ifname);
    } catch (err) {
      // Upstream leaves the temporary link behind here.
      delLinkIfExists(tmpName);
      throw new Error(`failed to rename ${kind} to ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    rb.add(`deleting ${JSON.stringify(ifname)}`, () => withNetns(netns, () => delLinkIfExists(ifname)));
    let link;
    try {
      link = linkByName(ifname);
    } catch (err) {
      throw new Error(`failed to refetch ${kind} ${JSON.stringify(ifname)}: ${errText(err)}`, { cause: err });
    }
    return { name: ifname, mac: link.mac ?? '', sandbox: netns.path };
  });
}
