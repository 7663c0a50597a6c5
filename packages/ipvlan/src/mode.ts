import type { IpvlanFlag, IpvlanMode } from '@cni-ts/netlink';
import { enumFromString } from '@cni-ts/plugin-kit';

const MODES: readonly IpvlanMode[] = ['l2', 'l3', 'l3s'];
const FLAGS: readonly IpvlanFlag[] = ['bridge', 'private', 'vepa'];

/** modeFromString: "" means l2. */
export function parseMode(s: string | undefined): IpvlanMode {
  return enumFromString('ipvlan mode', MODES, s);
}

/** The isolation flag: "" means bridge (what upstream always sends). */
export function parseFlag(s: string | undefined): IpvlanFlag {
  return enumFromString('ipvlan flag', FLAGS, s);
}
