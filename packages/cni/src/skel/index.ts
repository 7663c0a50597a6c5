// '@cni-ts/cni/skel': the skeleton alone, light enough for VERSION (no zod, no koffi).
export { dispatch, aboutText, cniRequest, resolvePlugin, versionText, type DispatchInput, type DispatchOutput } from './dispatch';
export { run } from './run';
export { cniEnv, readEnvArgs, splitPath, type CniEnvInput, type Env, type EnvArgs } from './env';
export { isOwnNetns, netnsOverridden } from './netns';
export { readAllStdin, writeAll } from './stdio';
export { CNI_TS_COMMIT, CNI_TS_VERSION } from './version-string';
export type { Command, CniRequest, LazyPlugin, MaybePromise, Plugin, PluginModule } from '../plugin';
export { CniError, configError, ErrCode, errorText, isCniError, toCniError, type CniErrorJson } from '../errors';
export { ALL_VERSIONS, CURRENT_VERSION, LEGACY_VERSIONS, versionsStartingFrom } from '../version';
export { versionAtLeast, versionGte } from '../version';
export type { Result, Result100 } from '../result/types';
