// What both backends implement (upstream's PortMapper), and the small rules they share.
import { familyOf } from '@cni-ts/plugin-kit';
import type { PortMapConf } from './config';

export interface Mapper {
  /** Installs the mappings for one container address (CIDR). */
  forwardPorts(conf: PortMapConf, containerNet: string): void;
  checkPorts(conf: PortMapConf, containerNet: string): void;
  /** Removes this container's rules, of both families; idempotent. */
  unforwardPorts(conf: PortMapConf): void;
}

/**
 * A mapping's hostIP for a container address of `family`: false when the mapping belongs to the
 * other family (skipped), '' when it has none or it is unspecified (0.0.0.0, ::), else the address.
 */
export function hostIPApplies(hostIP: string, family: 4 | 6): string | false {
  if (hostIP === '') return '';
  let f: 4 | 6;
  try {
    f = familyOf(hostIP);
  } catch {
    f = 6; // net.ParseIP fails: To4() of nil is nil, so upstream takes it for IPv6
  }
  if (f !== family) return false;
  return /^(0\.0\.0\.0|::|0:0:0:0:0:0:0:0)$/.test(hostIP) ? '' : hostIP;
}

/** fmtIPPort / net.JoinHostPort: `10.1.0.2:80`, `[fd00::2]:80`. */
export const ipPort = (ip: string, family: 4 | 6, port: number) => (family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`);
