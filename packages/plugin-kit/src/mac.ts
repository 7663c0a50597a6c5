// MAC texts as CNI configs and CNI_ARGS give them: Go's net.ParseMAC (6-, 8- and 20-byte forms,
// colon, dash and dot notation), parsed once, by @cni-ts/netlink's parseMAC.
import { formatMAC, parseMAC } from '@cni-ts/netlink';

/** The canonical text of a MAC (lower case, colons: HardwareAddr.String()), or Go's `address <s>: invalid MAC address`. */
export function canonicalMac(s: string): string {
  return formatMAC(parseMAC(s));
}
