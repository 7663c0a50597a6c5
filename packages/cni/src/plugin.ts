// The contract between the skeleton and a plugin. One Plugin object serves its own binary
// (run), the multi-call binary, and in-process callers (chain, multus): so a plugin never
// reads process.env or stdin; the skeleton hands it a parsed request.
import type { ZodType } from 'zod';
import type { CniArgs } from './args';
import type { Result } from './result/types';

/** The commands that reach a plugin function (VERSION is answered by the skeleton). */
export type Command = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

/** Everything a plugin gets for one invocation (Go's skel.CmdArgs, plus the decoded config). */
export interface CniRequest {
  command: Command;
  /** CNI_CONTAINERID (validated for ADD/DEL/CHECK; may be "" for GC/STATUS). */
  containerId: string;
  /** CNI_NETNS ("" allowed for DEL, GC and STATUS). */
  netns: string;
  /** CNI_IFNAME (validated for ADD/DEL/CHECK). */
  ifname: string;
  /** CNI_ARGS: the raw string and a Go-semantics parser. */
  args: CniArgs;
  /** CNI_PATH split on ':' (filepath.SplitList: "" gives [], empty elements are kept). */
  path: string[];
  /** CNI_PATH exactly as received (what delegation passes on). */
  pathEnv: string;
  /** CNI_NETNS_OVERRIDE as received. */
  netnsOverride: string;
  /** The stdin bytes, unchanged (what delegation passes on). */
  stdin: Uint8Array;
  /** stdin parsed with Go's JSON rules (always an object or null: the skeleton checked it). */
  config: Record<string, unknown>;
  /** The config's cniVersion ("0.1.0" when absent), as the skeleton decoded it. */
  cniVersion: string;
  /** The environment the plugin runs in (inherited by delegated plugins); never process.env directly. */
  env: Readonly<Record<string, string | undefined>>;
  /** Writes a diagnostic line to stderr (the runtime logs it; stdout is reserved for results). */
  log(message: string): void;
  /** Aborted when the caller gave up (in-process runs in a daemon): plugins exec'd for this request are killed. */
  signal?: AbortSignal;
}

export type MaybePromise<T> = T | Promise<T>;

/** A CNI plugin. Functions throw CniError for typed failures; anything else becomes code 999. */
export interface Plugin {
  /** The binary name (what `type` in a config names). */
  type: string;
  /** Printed to stderr when CNI_COMMAND is empty. Default: "CNI <type> plugin cni-ts <version>". */
  about?: string;
  /** Spec versions accepted (exact match). Default: ALL_VERSIONS (0.1.0–1.1.0). */
  supportedVersions?: readonly string[];
  /** The config schema, loaded lazily (zod is not needed to answer VERSION). */
  configSchema?: () => MaybePromise<ZodType>;
  /** ADD: returns the result, best built as a 1.1.0 result; the skeleton converts it to the config's version. */
  add(req: CniRequest): MaybePromise<Result | undefined | void>;
  del(req: CniRequest): MaybePromise<void>;
  /** Absent: CHECK succeeds with no output (as Go's nil callback). */
  check?(req: CniRequest): MaybePromise<void>;
  gc?(req: CniRequest): MaybePromise<void>;
  status?(req: CniRequest): MaybePromise<void>;
}

/** A plugin's module (`src/plugin.ts`): the Plugin is its default export. */
export interface PluginModule {
  default: Plugin;
}

/**
 * A plugin behind a dynamic import, as a binary's `main.ts` hands it to run(): the skeleton
 * answers VERSION (and fails early on a bad environment) without loading it.
 */
export interface LazyPlugin {
  load: () => Promise<PluginModule | Plugin>;
  /** Must be the plugin's own supportedVersions when it has some (checked once loaded). */
  supportedVersions?: readonly string[];
}
