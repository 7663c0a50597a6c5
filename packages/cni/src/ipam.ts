// pkg/ipam's Exec* helpers: IPAM is a delegation to the plugin named by ipam.type, with the
// whole network configuration on stdin.
import type { CniRequest } from './plugin';
import type { Result100 } from './result/types';
import { toCurrentResult } from './result/convert';
import { delegateAdd, delegateCheck, delegateDel, delegateGC, delegateStatus, type DelegateOptions } from './invoke/delegate';

/** ipam.ExecAdd, with the result converted to the 1.1.0 shape (what every main plugin does next). */
export async function ipamAdd(type: string, req: CniRequest, opts?: DelegateOptions): Promise<Result100> {
  return toCurrentResult(await delegateAdd(type, req, opts));
}

export const ipamCheck = delegateCheck;
export const ipamDel = delegateDel;
export const ipamStatus = delegateStatus;
export const ipamGC = delegateGC;
