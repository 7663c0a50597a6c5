// net.ParseMAC: IEEE 802 MAC-48, EUI-48, EUI-64 or 20-octet IPoIB link-layer addresses, written
// with ':' or '-' between octets or '.' between groups of four hex digits.

const isHex = (s: string) => /^[0-9a-fA-F]+$/.test(s);

/** The address bytes, or undefined when Go would reject the text. */
export function parseGoMAC(s: string): Uint8Array | undefined {
  if (s.length < 14) return undefined;
  const sep = s[2] === ':' || s[2] === '-' ? s[2] : s[4] === '.' ? '.' : undefined;
  if (!sep) return undefined;
  const groups = s.split(sep);
  const width = sep === '.' ? 4 : 2;
  if (groups.some((g) => g.length !== width || !isHex(g))) return undefined;
  const bytes = Uint8Array.from(groups.join('').match(/../g)!.map((h) => parseInt(h, 16)));
  return [6, 8, 20].includes(bytes.length) ? bytes : undefined;
}
