export { default as hostLocal, collectGarbage, type IpamResult } from './plugin';
export { configSchema, ipamSchema, jsonSchema, loadIPAMConfig, loadStoreConfig, validAttachments, type IPAMConfig, type GcAttachment } from './config';
export { DiskStore, DEFAULT_DATA_DIR, FILE_MODE, LOCK_MODE, reservationKey } from './store';
export { withStoreLock } from './lock';
export { candidates } from './iter';
export { allocate, AllocationError, type Allocation } from './allocator';
export { canonicalizeRange, type Range, type RangeInput } from './range';
export { canonicalizeRangeSet, rangeSetString, type RangeSet } from './rangeset';
export { parseResolvConf } from './dns';
