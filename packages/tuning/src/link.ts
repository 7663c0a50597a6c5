// Link attribute changes with the reference's order and wording. Each setter names what it did
// in its error, where upstream returned the bare netlink error.
import { type Link, linkSet, type LinkChanges, SyscallError } from '@cni-ts/netlink';
import { canonicalMac } from '@cni-ts/plugin-kit';
import type { Backup } from './backup';

function describe(err: unknown): string {
  return err instanceof SyscallError ? err.strerror : (err as Error).message;
}

function set(ifname: string, what: string, value: unknown, changes: LinkChanges): void {
  try {
    linkSet(ifname, changes);
  } catch (err) {
    throw new Error(`failed to set ${what} of ${JSON.stringify(ifname)} to ${value}: ${describe(err)}`, { cause: err });
  }
}

/** The kernel's text form of a MAC (lower case, colons), as Go's HardwareAddr.String(). */
export const normalMac = (mac: string): string => canonicalMac(mac);

const onOff = (on: boolean) => (on ? 'on' : 'off');

export const setMac = (ifname: string, mac: string) => set(ifname, 'MAC address', mac, { mac: normalMac(mac) });
export const setPromisc = (ifname: string, on: boolean) => set(ifname, 'promiscuous mode', onOff(on), { promisc: on });
export const setMtu = (ifname: string, mtu: number) => set(ifname, 'MTU', mtu, { mtu });
export const setAllmulti = (ifname: string, on: boolean) => set(ifname, 'all-multicast mode', onOff(on), { allmulti: on });
export const setTxQLen = (ifname: string, n: number) => set(ifname, 'transmit queue length', n, { txqlen: n });

/**
 * Puts back the attributes of a backup in upstream's restore order (MTU, MAC, promisc,
 * allmulti, txQLen). Every step is tried; the failures are returned, not thrown.
 */
export function restoreLink(ifname: string, b: Backup): string[] {
  const errors: string[] = [];
  const step = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (err) {
      errors.push(`failed to restore ${what}: ${(err as Error).message}`);
    }
  };
  if (b.mtu) step('MTU', () => setMtu(ifname, b.mtu!));
  if (b.mac) step('MAC address', () => setMac(ifname, b.mac!));
  if (b.promisc !== undefined) step('promiscuous mode', () => setPromisc(ifname, b.promisc!));
  if (b.allmulti !== undefined) step('all-multicast mode', () => setAllmulti(ifname, b.allmulti!));
  if (b.txQLen !== undefined) step('transmit queue length', () => setTxQLen(ifname, b.txQLen!));
  return errors;
}

export type { Link };
