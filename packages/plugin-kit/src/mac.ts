// Go's net.ParseMAC and HardwareAddr.String(): the MAC texts CNI configs and CNI_ARGS accept.

const HEX2 = /^[0-9a-fA-F]{2}$/;
const HEX4 = /^[0-9a-fA-F]{4}$/;

/** Byte lengths Go accepts: EUI-48, EUI-64 and 20-octet IP-over-InfiniBand addresses. */
const LENGTHS = new Set([6, 8, 20]);

function invalid(s: string): Error {
  return new Error(`address ${s}: invalid MAC address`);
}

/**
 * net.ParseMAC: `00:00:5e:00:53:01`, `00-00-5e-00-53-01`, `0000.5e00.5301` (and the 8- and
 * 20-byte forms). Throws Go's `address <s>: invalid MAC address`. Returns the bytes.
 */
export function parseMac(s: string): Uint8Array {
  let bytes: number[] | undefined;
  if (s.length >= 14 && (s[2] === ':' || s[2] === '-')) {
    const parts = s.split(s[2]!);
    if (parts.every((p) => HEX2.test(p))) bytes = parts.map((p) => parseInt(p, 16));
  } else if (s.length >= 14 && s[4] === '.') {
    const parts = s.split('.');
    if (parts.every((p) => HEX4.test(p))) bytes = parts.flatMap((p) => [parseInt(p.slice(0, 2), 16), parseInt(p.slice(2), 16)]);
  }
  if (!bytes || !LENGTHS.has(bytes.length)) throw invalid(s);
  return Uint8Array.from(bytes);
}

/** HardwareAddr.String(): lower-case hex bytes joined by colons ("" for no address). */
export function formatMac(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join(':');
}

/** parseMac then formatMac: the canonical text of a MAC, or a thrown Go error. */
export function canonicalMac(s: string): string {
  return formatMac(parseMac(s));
}
