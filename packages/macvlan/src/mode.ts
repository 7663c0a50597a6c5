import type { MacvlanMode } from '@cni-ts/netlink';

/** modeFromString: "" means bridge; anything else unknown is an error (checked at link creation). */
export function parseMode(s: string | undefined): MacvlanMode {
  switch (s ?? '') {
    case '':
    case 'bridge':
      return 'bridge';
    case 'private':
      return 'private';
    case 'vepa':
      return 'vepa';
    case 'passthru':
      return 'passthru';
    default:
      throw new Error(`unknown macvlan mode: ${JSON.stringify(s)}`);
  }
}
