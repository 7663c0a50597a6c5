// The IPAM step of a main plugin's ADD, as every reference plugin writes it: ipam.ExecAdd, its
// release registered on the rollback before anything else can fail, and a result without
// addresses refused with upstream's text.
import { ipamAdd, ipamDel, type CniRequest, type IPConfig100, type Result100 } from '@cni-ts/cni';
import type { Rollback } from './rollback';

/** The addresses (on `interface`, 0 by default), routes and dns IPAM gives the attachment. */
export async function allocateAddresses(
  type: string,
  req: CniRequest,
  rb: Rollback,
  { interface: index = 0 }: { interface?: number } = {},
): Promise<Result100 & { ips: IPConfig100[] }> {
  const r = await ipamAdd(type, req);
  rb.add('releasing the IPAM allocation', () => ipamDel(type, req));
  if (!r.ips?.length) throw new Error('IPAM plugin returned missing IP config');
  return { ...r, ips: r.ips.map((ip) => ({ ...ip, interface: index })) };
}
