// pkg/utils naming: iptables chain names and comments that tie rules to a network and a
// container, and the SHA-512 hash prefixes the nftables backends use.
import { createHash } from 'node:crypto';
import { goQuote } from '@cni-ts/cni';

const MAX_CHAIN_LENGTH = 28;

/** utils.MustFormatHashWithPrefix: `prefix` + hex SHA-512 of `toHash`, cut to `length` characters. */
export function formatHashWithPrefix(length: number, prefix: string, toHash: string): string {
  if (prefix.length >= length || length > 128) throw new Error('invalid length');
  return (prefix + createHash('sha512').update(toHash).digest('hex')).slice(0, length);
}

/** 16 hex characters naming a network in nftables comments and tags (ipmasq's hashForNetwork). */
export const hashForNetwork = (network: string): string => formatHashWithPrefix(16, '', network);

/** utils.FormatChainName: `CNI-` + 24 hex characters from network name and container ID. */
export function formatChainName(name: string, id: string, prefix = ''): string {
  return formatHashWithPrefix(MAX_CHAIN_LENGTH, `CNI-${prefix}`, name + id);
}

/** utils.FormatComment: `name: "<network>" id: "<containerID>"`. */
export function formatComment(name: string, id: string): string {
  return `name: ${goQuote(name)} id: ${goQuote(id)}`;
}
