// Which interfaces route-override works on: those of prevResult with a sandbox (the container
// side), as upstream. When prevResult lists none, CNI_IFNAME (upstream fell back to "eth0",
// or panicked when adding routes).
import type { Result100 } from '@cni-ts/cni';
import { findLink, type Link } from '@cni-ts/netlink';

export interface Targets {
  links: Link[];
  /** where addroutes go: CNI_IFNAME when it is a target, else the first target. */
  device: Link;
}

export function targetNames(res: Result100, ifname: string): string[] {
  const names = (res.interfaces ?? []).filter((i) => i.sandbox).map((i) => i.name);
  return names.length > 0 ? [...new Set(names)] : [ifname];
}

/** Looks the targets up in the current namespace; a missing one is an error. */
export function resolveTargets(res: Result100, ifname: string): Targets {
  const links = targetNames(res, ifname).map((name) => {
    const l = findLink(name);
    if (!l) throw new Error(`failed to find interface ${JSON.stringify(name)} in the container: Link not found`);
    return l;
  });
  return { links, device: links.find((l) => l.name === ifname) ?? links[0]! };
}
