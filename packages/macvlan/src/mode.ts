import type { MacvlanMode } from '@cni-ts/netlink';
import { enumFromString } from '@cni-ts/plugin-kit';

const MODES: readonly MacvlanMode[] = ['bridge', 'private', 'vepa', 'passthru'];

/** modeFromString: "" means bridge; anything else unknown is an error (checked at link creation). */
export function parseMode(s: string | undefined): MacvlanMode {
  return enumFromString('macvlan mode', MODES, s);
}
