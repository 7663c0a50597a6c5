// net.ParseMAC: IEEE 802 MAC-48, EUI-48, EUI-64 or 20-octet IPoIB link-layer addresses, written
// with ':' or '-' between octets or '.' between groups of four hex digits (@cni-ts/netlink's parseMAC).
import { parseMAC } from '@cni-ts/netlink';

/** The address bytes, or undefined when Go would reject the text. */
export function parseGoMAC(s: string): Uint8Array | undefined {
  try {
    return parseMAC(s);
  } catch {
    return undefined;
  }
}
