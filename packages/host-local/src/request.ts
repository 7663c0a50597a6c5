import type { LoadArgs } from './config';

/** What a host-local command needs from the skeleton's request. */
export interface IpamRequest {
  containerId: string;
  ifname: string;
  /** CNI_ARGS through Go's types.LoadArgs (the skeleton's `req.args.load`). */
  loadArgs?: LoadArgs;
  /** The network configuration from stdin, parsed JSON. */
  config: unknown;
}
