// @cni-ts/cni: the CNI protocol layer every plugin shares (libcni's pkg/skel, pkg/types,
// pkg/version, pkg/invoke and pkg/ipam). The skeleton lives in './skel' too, importable alone
// as '@cni-ts/cni/skel' so that VERSION never loads zod.

export { CniError, configError, ErrCode, errorText, isCniError, toCniError, type CniErrorJson, type ErrCodeName } from './errors';
export {
  ALL_VERSIONS,
  CURRENT_VERSION,
  LEGACY_VERSIONS,
  parseVersion,
  versionAtLeast,
  versionGt,
  versionGte,
  versionsStartingFrom,
  versionSupported,
  type VersionTriple,
} from './version';
export { validateContainerId, validateInterfaceName, validateNetworkName } from './validate';
export { readFileIfExists } from './fs/read';
export { fsyncDir, installFileAtomic, placeFileAtomic, tempPathFor, writeFileAtomic, type AtomicWriteOptions, type PlaceOptions } from './fs/atomic';
export {
  canonicalCIDR,
  canonicalIP,
  formatIP,
  formatIPNet,
  ipFamily,
  isIPv4,
  isLoopbackIP,
  parseCIDR,
  parseIP,
  type IP,
  type IPNet,
} from './ip';
export {
  addrCmp,
  addrEqual,
  addrNetContains,
  addrPrefixLen,
  formatAddr,
  formatAddrNet,
  fromAddr,
  lastAddr,
  networkAddr,
  nextAddr,
  parseAddr,
  parseAddrNet,
  toAddr,
  type Addr,
  type AddrNet,
  type AddrPrefix,
} from './ip';

export { GoJsonSyntaxError, goJsonParse } from './gojson/parse';
export { parseGoDuration } from './go-duration';
export { goMarshal, goMarshalIndent, goString, sortKeysDeep } from './gojson/encode';
export { goList, goQuote, goQuoteList } from './gojson/quote';
export { foldEq, goJsonKind, goStringField } from './gojson/fields';

export type {
  DNS,
  Interface040,
  Interface100,
  IPConfig020,
  IPConfig040,
  IPConfig100,
  Result,
  Result020,
  Result040,
  Result100,
  Route,
} from './result/types';
export {
  FAMILY_LATEST,
  FAMILY_VERSIONS,
  isResult020,
  isResult040,
  isResult100,
  resultFamily,
  resultVersion,
  type ResultFamily,
} from './result/family';
export { convertResult, toCurrentResult } from './result/convert';
export { formatResult, formatResultAs, marshalResult, resultToJson } from './result/print';
export { createResult, createResultFromBytes, parsePrevResult } from './result/create';
export {
  dnsSchema,
  interface040Schema,
  interface100Schema,
  ipConfig020Schema,
  ipConfig040Schema,
  ipConfig100Schema,
  result020Schema,
  result040Schema,
  result100Schema,
  routeSchema,
} from './result/schema';

export {
  configArgsSchema,
  gcAttachmentSchema,
  gcValidAttachments,
  ipamSchema,
  listPluginSchema,
  looseBoolSchema,
  netConf,
  netConfFields,
  netConfListSchema,
  netConfSchema,
  pluginConfSchema,
  type ConfigArgs,
  type GcAttachment,
  type Ipam,
  type NetConf,
  type NetConfList,
  type PluginConf,
} from './config/schema';
export {
  bandwidthSchema,
  capabilityDnsSchema,
  ipRangeSchema,
  portMappingSchema,
  runtimeConfigSchema,
  type Bandwidth,
  type CapabilityDns,
  type IpRange,
  type PortMapping,
  type RuntimeConfig,
} from './config/runtime';
export { selectListVersion } from './config/list';

export { decode, DecodeError, formatPath, issueText, schemaIssues, type DecodeIssue, type DecodeOptions } from './schema/decode';
export { go, goMap, goStruct, goTypeName, goTypeOf, goUint32, type GoType } from './schema/go';
export { goCIDR, goCIDRAddr, goInt, goIP, goIPAddr, goUint } from './schema/net';
export { goRoute } from './schema/route';
export { lazySchema } from './schema/lazy';
export { pluginJsonSchema, toJsonSchema } from './schema/json-schema';

export { cniArgs, K8S_ARGS, loadArgs, parseArgBool, parseArgIP, type ArgParser, type ArgSpec, type ArgsOf, type CniArgs } from './args';

export { aboutText, cniRequest, dispatch, resolvePlugin, versionText, type DispatchInput, type DispatchOutput } from './skel/dispatch';
export { run } from './skel/run';
export { cniEnv, readEnvArgs, splitPath, type CniEnvInput, type Env, type EnvArgs } from './skel/env';
export { isOwnNetns, netnsOverridden } from './skel/netns';
export { readAllStdin, writeAll } from './skel/stdio';
export { CNI_TS_COMMIT, CNI_TS_VERSION } from './skel/version-string';
export type { Command, CniRequest, LazyPlugin, MaybePromise, Plugin, PluginModule } from './plugin';

export { findInPath } from './invoke/find';
export { rawExecPlugin, type ExecEnv, type ExecOptions, type PluginExec } from './invoke/exec';
export { exitText, sleepSync, spawnAsync, spawnFailure, spawnSync, type ProcEnv, type SpawnAsyncOptions, type SpawnOptions, type SpawnResult } from './proc';
export { pluginError } from './invoke/errors';
export { decodeConfigVersion, parsePluginResult } from './invoke/result';
export { decodePluginInfo, getVersionInfo, type PluginInfo } from './invoke/version-info';
export {
  hasLauncherMarker,
  inProcessPlugin,
  isOwnBinary,
  pluginCatalog,
  registeredPlugin,
  registeredTypes,
  registerPlugin,
  sameFile,
  setOwnBinaryCheck,
  setPluginCatalog,
  unregisterPlugin,
  type PluginLoader,
  type PluginModuleLoader,
} from './invoke/registry';
export {
  defaultExec,
  delegateAdd,
  delegateCheck,
  delegateDel,
  delegateEnv,
  delegateGC,
  delegateStatus,
  type DelegateOptions,
} from './invoke/delegate';
export { ipamAdd, ipamCheck, ipamDel, ipamGC, ipamStatus } from './ipam';
