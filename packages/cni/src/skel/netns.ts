// The check Go's skel runs after a successful ADD or DEL: a runtime that hands a plugin its
// own network namespace (a PID-based path of a dead container pointing at the host, plugins
// #714) must not get host networking rewired.
import { statSync } from 'node:fs';
import { CniError, ErrCode } from '../errors';

/** ns.CheckNetNS: true when `netnsPath` is the calling thread's netns. Unopenable paths pass. */
export function isOwnNetns(netnsPath: string): boolean {
  let target;
  try {
    target = statSync(netnsPath);
  } catch {
    // Also covers "" and a netns already gone (DEL of a deleted container).
    return false;
  }
  let own;
  try {
    own = statSync('/proc/thread-self/ns/net');
  } catch {
    throw new CniError(ErrCode.invalidNetNS, "get plugin's netns failed");
  }
  return own.dev === target.dev && own.ino === target.ino;
}

/** CNI_NETNS_OVERRIDE disables the check when it is "1" or "true" in any case. */
export function netnsOverridden(value: string): boolean {
  return value === '1' || value.toUpperCase() === 'TRUE';
}

export function netnsCheckError(): CniError {
  return new CniError(ErrCode.invalidNetNS, "plugin's netns and netns from CNI_NETNS should not be the same");
}
