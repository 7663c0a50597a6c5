// A way of writing the Service rules into a netns: nftables (through @cni-ts/netlink) or
// iptables (iptables-restore). Both take the whole wanted state and make the netns's rules of
// ours exactly that, in one atomic batch per netns (and family, for iptables); [] removes all
// of ours. A backend may remember what it wrote to skip reading it back; `verify` makes it read
// the netns first (the periodic resync: someone else may have changed it), `forget` drops what
// it remembers of a netns that is gone.
import type { ServicePortPlan } from './plan';

export interface RuleBackend {
  readonly name: string;
  sync(netnsPath: string, services: readonly ServicePortPlan[], opts?: { verify?: boolean }): Promise<void>;
  forget(netnsPath: string): void;
}
