import type { IpvlanFlag, IpvlanMode } from '@cni-ts/netlink';

/** modeFromString: "" means l2. */
export function parseMode(s: string | undefined): IpvlanMode {
  switch (s ?? '') {
    case '':
    case 'l2':
      return 'l2';
    case 'l3':
      return 'l3';
    case 'l3s':
      return 'l3s';
    default:
      throw new Error(`unknown ipvlan mode: ${JSON.stringify(s)}`);
  }
}

/** The isolation flag: "" means bridge (what upstream always sends). */
export function parseFlag(s: string | undefined): IpvlanFlag {
  switch (s ?? '') {
    case '':
    case 'bridge':
      return 'bridge';
    case 'private':
      return 'private';
    case 'vepa':
      return 'vepa';
    default:
      throw new Error(`unknown ipvlan flag: ${JSON.stringify(s)}`);
  }
}
