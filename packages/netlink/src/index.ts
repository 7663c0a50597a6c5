export { SyscallError, NetlinkError, LinkNotFoundError, isNotFound, isExist, type SyscallErrorOptions } from './errors';
export { errnoName, errnoMessage, errnoNumber } from './errno';
export {
  openNetns,
  currentNetns,
  withNetns,
  withNetnsPath,
  sameNetns,
  netnsId,
  warmLibuvPool,
  NetnsNotExistError,
  NetnsNotNsError,
  type Netns,
} from './netns';
export { createNamedNetns, deleteNamedNetns, NETNS_RUN_DIR } from './netns-named';
export { FileLock, withFileLock } from './flock';
export { sysctlGet, sysctlSet, sysctlEnsure, sysctlPath, sysctlKeyToPath } from './sysctl';
export { koffi, KOFFI_GLOBAL } from './_koffi';
