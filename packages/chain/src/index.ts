// @cni-ts/chain: what runtimes do with CNI plugins (Go's libcni) — loading network configs,
// running lists (ADD/CHECK/DEL/GC/STATUS) with the result cache — plus in-process runs of our
// own plugins and the cnitool-compatible CLI `cni-ts` (src/cli.ts).
export type { GcArgs, GcAttachment, NetworkAttachment, NetworkConfigList, PluginConfig, RuntimeConf } from './types';

export { ConfError, ConfigFileError, NoConfigsFoundError, NotFoundError } from './conf/errors';
export { byteOrder, confFiles } from './conf/files';
export { decodePluginConf, marshalSorted, pluginConfFromBytes } from './conf/plugin';
export { confListFromBytes } from './conf/list';
export { confFromFile, confListFromConf, confListFromFile, loadConf, loadConfDir, loadConfList, pluginConfsFromDir, type LoadedConfigs } from './conf/load';
export { buildOneConfig, injectConf, injectRuntimeConfig } from './conf/inject';

export { CACHE_KIND, DEFAULT_CACHE_DIR, cacheFilePath, resultsDir } from './cache/path';
export { cacheBytes, deleteCache, writeCache } from './cache/write';
export { cachedAttachments, decodeCachedInfo, readCachedConfig, readCachedResult, type CachedInfo } from './cache/read';

export { isCniTsBinary, MULTI_CALL_BINARY } from './exec/ours';
export { loadOurPlugin, ourPluginLoadError, ourPluginTypes, prepareInProcess } from './exec/registry';
export { PluginRunner, type RunEvent, type RunMode, type RunnerOptions } from './exec/runner';

export { cniErrorOf, PluginFailedError, pluginDescription } from './errors';
export { CHECK_NOT_SUPPORTED, CniConfig, type CniOptions } from './cni';
