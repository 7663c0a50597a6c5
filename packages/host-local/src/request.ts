import type { CniArgs } from '@cni-ts/cni';

/** What a host-local command needs from the skeleton's request. */
export interface IpamRequest {
  containerId: string;
  ifname: string;
  /** CNI_ARGS through Go's types.LoadArgs (the skeleton's `req.args.load`). */
  loadArgs?: CniArgs['load'];
  /** The network configuration from stdin, parsed JSON. */
  config: unknown;
}
