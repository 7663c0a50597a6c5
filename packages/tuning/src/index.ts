export { default as tuning, createTuning, type TuningOptions } from './plugin';
export { configSchema, tuningArgsSchema, jsonSchema, loadConf, DEFAULT_DATA_DIR, DATA_DIR_ENV, type TuningConf } from './config';
export { DEFAULT_ALLOWLIST, goRegExp } from './allowlist';
export { sysctlFile } from './sysctl';
export { encodeBackup, type Backup } from './backup';
