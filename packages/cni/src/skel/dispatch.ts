// The skeleton's dispatcher (pkg/skel pluginMain): environment → stdin checks → version gates
// → plugin function → output. It returns what a binary would print instead of printing, so
// the same code serves run() and in-process callers.
import { cniArgs } from '../args';
import { CniError, ErrCode, errorText, toCniError } from '../errors';
import { goStringField } from '../gojson/fields';
import { goMarshal, goMarshalIndent } from '../gojson/encode';
import { goJsonParse } from '../gojson/parse';
import type { Command, CniRequest, LazyPlugin, Plugin } from '../plugin';
import { convertResult } from '../result/convert';
import { formatResult } from '../result/print';
import type { Result } from '../result/types';
import { ALL_VERSIONS, CURRENT_VERSION, versionGte } from '../version';
import { validateNetworkName } from '../validate';
import { readEnvArgs, splitPath, type Env, type EnvArgs } from './env';
import { isOwnNetns, netnsCheckError, netnsOverridden } from './netns';
import { CNI_TS_VERSION } from './version-string';
import { goQuote, goQuoteList } from '../gojson/quote';

export interface DispatchInput {
  /** The CNI_* variables (and whatever else delegated plugins should inherit). */
  env: Env;
  /** stdin: bytes, text, or a reader called only when the command needs stdin. */
  stdin?: Uint8Array | string | (() => Uint8Array);
  /** Receives stderr text as it is produced; by default it is collected into `stderr`. */
  onStderr?: (text: string) => void;
  /** Aborted when the caller gives up (a daemon whose client went away): exec'd delegates are killed. */
  signal?: AbortSignal;
}

export interface DispatchOutput {
  /** Exactly what the binary writes to stdout. */
  stdout: string;
  /** What it writes to stderr (empty when onStderr was given). */
  stderr: string;
  /** 0 on success, 1 on a CNI error. */
  exitCode: number;
  /** ADD: the result as printed (already converted to the config's version). */
  result?: Result;
  /** The CNI error that was printed, if any. */
  error?: CniError;
}

/** The about text for an empty CNI_COMMAND. */
export function aboutText(plugin: Plugin): string {
  return plugin.about ?? `CNI ${plugin.type} plugin cni-ts ${CNI_TS_VERSION}`;
}

/** VERSION's output: compact JSON plus newline, always this library's version (as Go's skel). */
export function versionText(plugin: Pick<Plugin, 'supportedVersions'>): string {
  return `${goMarshal({ cniVersion: CURRENT_VERSION, supportedVersions: plugin.supportedVersions ?? ALL_VERSIONS })}\n`;
}

const utf8 = new TextEncoder();

const isLazy = (p: Plugin | LazyPlugin): p is LazyPlugin => typeof (p as LazyPlugin).load === 'function' && !('type' in p);

/** The plugin itself: a lazy one is loaded now (its module's default export). */
export async function resolvePlugin(p: Plugin | LazyPlugin): Promise<Plugin> {
  if (!isLazy(p)) return p;
  const m = await p.load();
  const plugin = 'default' in m ? m.default : m;
  const said = (p.supportedVersions ?? ALL_VERSIONS).join();
  if ((plugin.supportedVersions ?? ALL_VERSIONS).join() !== said) {
    throw new Error(`${plugin.type}: supportedVersions differ between main.ts and the plugin`);
  }
  return plugin;
}

function readStdin(stdin: DispatchInput['stdin']): Uint8Array {
  if (stdin === undefined) return new Uint8Array();
  if (typeof stdin === 'function') return stdin();
  return typeof stdin === 'string' ? utf8.encode(stdin) : stdin;
}

/** skel's validateConfig: JSON, then a non-empty `name` matching the name regex. */
function validateConfig(stdin: Uint8Array): Record<string, unknown> {
  let config: unknown;
  let name: string;
  try {
    config = goJsonParse(stdin);
    name = goStringField(config, 'name', 'Name');
  } catch (err) {
    throw new CniError(ErrCode.decodingFailure, `error unmarshall network config: ${errorText(err)}`);
  }
  if (name === '') throw new CniError(ErrCode.invalidNetworkConfig, 'missing network name');
  const bad = validateNetworkName(name);
  if (bad) throw bad;
  return (config ?? {}) as Record<string, unknown>;
}

/** ConfigDecoder.Decode: cniVersion of the config, "0.1.0" when absent; code 6 on a bad type. */
function decodeVersion(config: Record<string, unknown>): string {
  try {
    return goStringField(config, 'cniVersion', 'CNIVersion') || '0.1.0';
  } catch (err) {
    throw new CniError(ErrCode.decodingFailure, `decoding version from network config: ${errorText(err)}`);
  }
}

function gte(a: string, b: string): boolean {
  try {
    return versionGte(a, b);
  } catch (err) {
    throw new CniError(ErrCode.decodingFailure, errorText(err));
  }
}

/** CHECK/GC/STATUS gates: config >= min, and the plugin lists some version >= the config's. */
function gate(command: string, configVersion: string, min: string, supported: readonly string[]): void {
  if (!gte(configVersion, min)) {
    throw new CniError(ErrCode.incompatibleCniVersion, `config version does not allow ${command}`);
  }
  if (!supported.some((v) => gte(v, configVersion))) {
    throw new CniError(ErrCode.incompatibleCniVersion, `plugin version does not allow ${command}`);
  }
}

const GATES: Partial<Record<string, string>> = { CHECK: '0.4.0', GC: '1.1.0', STATUS: '1.1.0' };

function request(command: Command, e: EnvArgs, input: DispatchInput, stdin: Uint8Array, config: Record<string, unknown>, cniVersion: string, log: (m: string) => void): CniRequest {
  return {
    command,
    containerId: e.containerId,
    netns: e.netns,
    ifname: e.ifname,
    args: cniArgs(e.args),
    path: splitPath(e.path),
    pathEnv: e.path,
    netnsOverride: e.netnsOverride,
    stdin,
    config,
    cniVersion,
    env: input.env,
    log,
    ...(input.signal ? { signal: input.signal } : {}),
  };
}

/**
 * A request as the skeleton would build it, from the given parts (tests, and callers that run a
 * plugin function directly): `args` is the raw CNI_ARGS string, `config` the parsed stdin.
 */
export function cniRequest(o: Partial<Omit<CniRequest, 'args'>> & { args?: string } = {}): CniRequest {
  const config = o.config ?? {};
  const stdin = o.stdin ?? utf8.encode(JSON.stringify(config));
  const cniVersion = o.cniVersion ?? (typeof config.cniVersion === 'string' && config.cniVersion !== '' ? config.cniVersion : '0.1.0');
  const path = o.path ?? [];
  return {
    command: o.command ?? 'ADD',
    containerId: o.containerId ?? '',
    netns: o.netns ?? '',
    ifname: o.ifname ?? '',
    args: cniArgs(o.args ?? ''),
    path,
    pathEnv: o.pathEnv ?? path.join(':'),
    netnsOverride: o.netnsOverride ?? '',
    stdin,
    config,
    cniVersion,
    env: o.env ?? {},
    log: o.log ?? (() => {}),
  };
}

/**
 * Runs one CNI invocation of `plugin` as Go's skel.PluginMainFuncs would, without touching
 * process state: the environment and stdin come from `input`, the output is returned.
 * Never throws.
 */
export async function dispatch(source: Plugin | LazyPlugin, input: DispatchInput): Promise<DispatchOutput> {
  let stdout = '';
  let stderr = '';
  const writeErr = input.onStderr ?? ((t: string) => void (stderr += t));
  const out: DispatchOutput = { stdout: '', stderr: '', exitCode: 0 };
  try {
    const env = readEnvArgs(input.env);
    if (env instanceof CniError) {
      if (env.code === ErrCode.invalidEnvironmentVariables && !input.env.CNI_COMMAND) {
        const plugin = await resolvePlugin(source);
        if (aboutText(plugin) !== '') {
          const versions = (plugin.supportedVersions ?? ALL_VERSIONS).join(', ');
          writeErr(`${aboutText(plugin)}\nCNI protocol versions supported: ${versions}\n`);
          return { ...out, stderr };
        }
      }
      throw env;
    }
    if (env.command === 'VERSION') {
      stdout = versionText(source);
      return { ...out, stdout, stderr };
    }
    const plugin = await resolvePlugin(source);
    let stdin: Uint8Array;
    try {
      stdin = readStdin(input.stdin);
    } catch (err) {
      throw new CniError(ErrCode.ioFailure, `error reading from stdin: ${errorText(err)}`);
    }
    const config = validateConfig(stdin);
    const command = env.command;
    if (!['ADD', 'DEL', 'CHECK', 'GC', 'STATUS'].includes(command)) {
      throw new CniError(ErrCode.invalidEnvironmentVariables, `unknown CNI_COMMAND: ${command}`);
    }
    const supported = plugin.supportedVersions ?? ALL_VERSIONS;
    const min = GATES[command];
    if (min) gate(command, decodeVersion(config), min, supported);
    // checkVersionAndCall: exact match of the config version in the supported list.
    const cniVersion = decodeVersion(config);
    if (!supported.includes(cniVersion)) {
      throw new CniError(
        ErrCode.incompatibleCniVersion,
        'incompatible CNI versions',
        `config is ${goQuote(cniVersion)}, plugin supports ${goQuoteList(supported)}`,
      );
    }
    const req = request(command as Command, env, input, stdin, config, cniVersion, (m) => writeErr(m.endsWith('\n') ? m : `${m}\n`));
    try {
      if (command === 'ADD') {
        const result = await plugin.add(req);
        if (result) {
          // types.PrintResult: conversion failures are the plugin's (untyped) error.
          out.result = convertResult(result, cniVersion);
          stdout += formatResult(out.result);
        }
      } else {
        const fn = { DEL: plugin.del, CHECK: plugin.check, GC: plugin.gc, STATUS: plugin.status }[command as Exclude<Command, 'ADD'>];
        await fn?.call(plugin, req);
      }
    } catch (err) {
      if (!(err instanceof CniError) && input.env.CNI_TS_DEBUG && err instanceof Error && err.stack) writeErr(`${err.stack}\n`);
      throw toCniError(err);
    }
    if ((command === 'ADD' || command === 'DEL') && !netnsOverridden(env.netnsOverride) && isOwnNetns(env.netns)) {
      throw netnsCheckError();
    }
    return { ...out, stdout, stderr };
  } catch (err) {
    const error = toCniError(err);
    // Go prints the error after whatever the callback already printed (the netns check case).
    stdout += goMarshalIndent(error.toJSON());
    return { ...out, stdout, stderr, exitCode: 1, error };
  }
}
