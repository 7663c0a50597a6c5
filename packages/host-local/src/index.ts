export { hostLocal } from './plugin';
export { jsonSchema, ipamSchema, netConfSchema, loadIPAMConfig, ConfigError, type IPAMConfig } from './config';
export { cmdAdd, type IpamResult } from './add';
export { cmdDel } from './del';
export { cmdCheck } from './check';
export { cmdGc, validAttachments, type GcAttachment } from './gc';
export { cmdStatus, UnavailableError } from './status';
export { DiskStore, DEFAULT_DATA_DIR, FILE_MODE, LOCK_MODE, reservationKey } from './store';
export { withStoreLock } from './lock';
export { candidates } from './iter';
export { allocate, AllocationError, type Allocation } from './allocator';
export { canonicalizeRange, type Range, type RangeInput } from './range';
export { canonicalizeRangeSet, rangeSetString, type RangeSet } from './rangeset';
// host-local's former address module, now cni's (Go's net.IP rules as numbers).
export {
  formatAddr as formatIP,
  parseAddrNet as parseCIDR,
  parseAddr as parseIP,
  type AddrNet as CIDR,
  type Addr as IP,
} from '@cni-ts/cni/ip';
export { parseResolvConf } from './dns';
export type { IpamRequest } from './request';
