export { tuning, createTuning } from './plugin';
export type { TuningOptions } from './validate';
export {
  tuningConfSchema,
  tuningArgsSchema,
  tuningJsonSchema,
  loadConf,
  DEFAULT_DATA_DIR,
  DATA_DIR_ENV,
  type TuningConf,
} from './config';
export { DEFAULT_ALLOWLIST } from './allowlist-path';
export { sysctlFile } from './sysctl';
export { goRegExp } from './allowlist';
export { encodeBackup, type Backup } from './backup';
