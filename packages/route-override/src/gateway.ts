// The gateway a route without `gw` goes through: CNI's convention (a result route without gw
// uses the default gateway of its family, as ipam.ConfigureIface does) and the README's
// promise for addroutes. Upstream added such routes on-link instead (no gateway at all).
import { ipFamily, type Result100 } from '@cni-ts/cni';
import { isZeroIP } from './net';

/** The gateway of the first result address of `family` (on `device` if any is), or undefined. */
export function gatewayFor(res: Result100, family: 4 | 6, device: string): string | undefined {
  const ips = (res.ips ?? []).filter((i) => i.gateway !== undefined && !isZeroIP(i.gateway) && ipFamily(i.address) === family);
  const index = (res.interfaces ?? []).findIndex((i) => i.name === device);
  const onDevice = ips.find((i) => i.interface !== undefined && i.interface === index);
  return (onDevice ?? ips[0])?.gateway;
}

/** Every non-zero gateway of the result's addresses of `family`. */
export function gatewaysOf(res: Result100, family: 4 | 6): string[] {
  return (res.ips ?? []).filter((i) => !isZeroIP(i.gateway) && ipFamily(i.address) === family).map((i) => i.gateway!);
}
