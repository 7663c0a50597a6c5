/** What a host-local command needs from the skeleton's request. */
export interface IpamRequest {
  containerId: string;
  ifname: string;
  /** CNI_ARGS as given. */
  args: string;
  /** The network configuration from stdin, parsed JSON. */
  config: unknown;
}
