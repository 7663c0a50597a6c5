// libcni's CNIConfig: running network configuration lists (ADD, CHECK, DEL, GC, STATUS) and
// single plugin configs, with the result cache.
import { ALL_VERSIONS, convertResult, CURRENT_VERSION, decodePluginInfo, parsePluginResult, resultVersion, validateContainerId, validateInterfaceName, validateNetworkName, versionGte, type ExecEnv, type PluginInfo, type Result } from '@cni-ts/cni';
import { cachedAttachments, readCachedConfig, readCachedResult } from './cache/read';
import { DEFAULT_CACHE_DIR, invalidAttachmentNames } from './cache/path';
import { deleteCache, writeCache } from './cache/write';
import { buildOneConfig, injectConf } from './conf/inject';
import { PluginFailedError } from './errors';
import { prepareInProcess } from './exec/registry';
import { PluginRunner, type RunnerOptions } from './exec/runner';
import type { GcArgs, NetworkAttachment, NetworkConfigList, PluginConfig, RuntimeConf } from './types';

export interface CniOptions extends RunnerOptions {
  /** Plugin directories (CNI_PATH). */
  path: readonly string[];
  /** Default /var/lib/cni; the cache lives in `<cacheDir>/results`. */
  cacheDir?: string;
  /** The environment plugins inherit (default process.env); CNI_* are set per call. */
  env?: ExecEnv;
}

type Command = 'ADD' | 'DEL' | 'CHECK' | 'GC' | 'STATUS';

const EMPTY_RT: RuntimeConf = { containerId: '', netns: '', ifName: '' };

/** libcni's ErrorCheckNotSupp wording. */
export const CHECK_NOT_SUPPORTED = 'does not support the CHECK command';

export class CniConfig {
  readonly path: readonly string[];
  readonly cacheDir: string;
  readonly #env: ExecEnv;
  readonly #runner: PluginRunner;

  constructor(opts: CniOptions) {
    this.path = opts.path;
    this.cacheDir = opts.cacheDir || DEFAULT_CACHE_DIR;
    this.#env = opts.env ?? process.env;
    this.#runner = new PluginRunner(opts);
  }

  #args(command: Command, rt: RuntimeConf): ExecEnv {
    return {
      ...this.#env,
      CNI_COMMAND: command,
      CNI_CONTAINERID: rt.containerId,
      CNI_NETNS: rt.netns,
      CNI_ARGS: (rt.args ?? []).map(([k, v]) => `${k}=${v}`).join(';'),
      CNI_IFNAME: rt.ifName,
      CNI_PATH: this.path.join(':'),
    };
  }

  /** Loads our packages for the plugin (and IPAM) types the configs use, for in-process runs. */
  async #prepare(nets: readonly PluginConfig[]): Promise<void> {
    if (!this.#runner.inProcessEnabled) return;
    await prepareInProcess(nets.flatMap((n) => [n.network.type ?? '', n.network.ipam?.type ?? '']).filter(Boolean));
  }

  async #exec(command: Command, net: PluginConfig, rt: RuntimeConf, beforeBuild?: (pluginPath: string) => void, build?: () => PluginConfig): Promise<{ stdin: Uint8Array; stdout: Uint8Array }> {
    const type = net.network.type ?? '';
    const pluginPath = this.#runner.find(type, this.path);
    beforeBuild?.(pluginPath);
    const conf = build ? build() : net;
    const stdout = await this.#runner.run(type, pluginPath, conf.bytes, this.#args(command, rt));
    return { stdin: conf.bytes, stdout };
  }

  async #addNetwork(name: string, cniVersion: string, net: PluginConfig, prev: Result | undefined, rt: RuntimeConf): Promise<Result> {
    const { stdin, stdout } = await this.#exec(
      'ADD',
      net,
      rt,
      () => {
        const bad = validateContainerId(rt.containerId) ?? validateNetworkName(name) ?? validateInterfaceName(rt.ifName);
        if (bad) throw bad;
      },
      () => buildOneConfig(name, cniVersion, net, prev, rt),
    );
    return toListVersion(parsePluginResult(stdin, stdout), cniVersion);
  }

  /** AddNetworkList: plugins in order, each given the previous result; the final result is cached. */
  async addNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<Result | undefined> {
    await this.#prepare(list.plugins);
    let result: Result | undefined;
    for (const net of list.plugins) {
      try {
        result = await this.#addNetwork(list.name, list.cniVersion, net, result, rt);
      } catch (err) {
        throw new PluginFailedError(net.network, 'add', err);
      }
    }
    this.#cacheAdd(result, list.bytes, list.name, rt);
    return result;
  }

  #cacheAdd(result: Result | undefined, config: Uint8Array, name: string, rt: RuntimeConf): void {
    try {
      writeCache(this.cacheDir, result, config, name, rt);
    } catch (err) {
      throw new Error(`failed to set network ${JSON.stringify(name)} cached result: ${(err as Error).message}`, { cause: err });
    }
  }

  /** CheckNetworkList: needs 0.4.0+; skipped when disableCheck; every plugin gets the cached result. */
  async checkNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    if (!versionGte(list.cniVersion, '0.4.0')) throw new Error(`configuration version ${JSON.stringify(list.cniVersion)} ${CHECK_NOT_SUPPORTED}`);
    if (list.disableCheck) return;
    checkNames(list.name, rt);
    let cached: Result | undefined;
    try {
      cached = readCachedResult(this.cacheDir, list.name, list.cniVersion, rt);
    } catch (err) {
      throw new Error(`failed to get network ${JSON.stringify(list.name)} cached result: ${(err as Error).message}`, { cause: err });
    }
    await this.#prepare(list.plugins);
    for (const net of list.plugins) {
      await this.#exec('CHECK', net, rt, undefined, () => buildOneConfig(list.name, list.cniVersion, net, cached, rt));
    }
  }

  /** The cached result for DEL: a broken cache entry is removed and DEL goes on without it. */
  #cachedForDel(name: string, cniVersion: string, rt: RuntimeConf): Result | undefined {
    if (!versionGte(cniVersion, '0.4.0')) return undefined;
    try {
      return readCachedResult(this.cacheDir, name, cniVersion, rt);
    } catch {
      deleteCache(this.cacheDir, name, rt);
      return undefined;
    }
  }

  /** DelNetworkList: plugins in reverse order with the cached result; the entry is removed on success. */
  async delNetworkList(list: NetworkConfigList, rt: RuntimeConf): Promise<void> {
    checkNames(list.name, rt);
    const cached = this.#cachedForDel(list.name, list.cniVersion, rt);
    await this.#prepare(list.plugins);
    for (const net of list.plugins.toReversed()) {
      try {
        await this.#exec('DEL', net, rt, undefined, () => buildOneConfig(list.name, list.cniVersion, net, cached, rt));
      } catch (err) {
        throw new PluginFailedError(net.network, 'delete', err);
      }
    }
    deleteCache(this.cacheDir, list.name, rt);
  }

  /**
   * GCNetworkList: DELs every cached attachment of this network that is not valid (all of them
   * without `args`), then, from 1.1.0, GC on every plugin. All errors are returned joined.
   */
  async gcNetworkList(list: NetworkConfigList, args?: GcArgs): Promise<void> {
    if (list.disableGC) return;
    let attachments: NetworkAttachment[];
    try {
      attachments = this.getCachedAttachments('');
    } catch {
      return;
    }
    const valid = args ? new Set(args.validAttachments.map((a) => `${a.containerID}\0${a.ifname}`)) : undefined;
    const errors: string[] = [];
    for (const a of attachments) {
      if (a.network !== list.name || valid?.has(`${a.containerId}\0${a.ifName}`)) continue;
      const rt: RuntimeConf = { containerId: a.containerId, netns: a.netns, ifName: a.ifName, args: a.cniArgs, capabilityArgs: a.capabilityArgs };
      try {
        await this.delNetworkList(list, rt);
      } catch (err) {
        errors.push(`failed to delete stale attachment ${rt.containerId} ${rt.ifName}: ${(err as Error).message}`);
      }
    }
    if (versionGteSafe(list.cniVersion, '1.1.0')) {
      const inject: Record<string, unknown> = { name: list.name, cniVersion: list.cniVersion };
      if (args) {
        const attached = args.validAttachments.map((a) => ({ containerID: a.containerID, ifname: a.ifname }));
        inject['cni.dev/valid-attachments'] = attached;
        // libcni #1101: the spec's first name for the key, still sent.
        inject['cni.dev/attachments'] = attached;
      }
      await this.#prepare(list.plugins);
      for (const net of list.plugins) {
        const type = net.network.type ?? '';
        try {
          await this.#exec('GC', net, EMPTY_RT, undefined, () => injectConf(net, inject));
        } catch (err) {
          errors.push(`failed to GC plugin ${type}: ${(err as Error).message}`);
        }
      }
    }
    if (errors.length) throw new Error(errors.join('\n'));
  }

  /** GetStatusNetworkList: from 1.1.0, STATUS on every plugin; the first error is returned as is. */
  async getStatusNetworkList(list: NetworkConfigList): Promise<void> {
    if (!versionGteSafe(list.cniVersion, '1.1.0')) return;
    await this.#prepare(list.plugins);
    for (const net of list.plugins) {
      let conf: PluginConfig;
      try {
        conf = injectConf(net, { name: list.name, cniVersion: list.cniVersion });
      } catch (err) {
        throw new Error(`failed to generate configuration to get plugin STATUS ${net.network.type}: ${(err as Error).message}`, { cause: err });
      }
      await this.#exec('STATUS', net, EMPTY_RT, undefined, () => conf);
    }
  }

  getNetworkListCachedResult(list: NetworkConfigList, rt: RuntimeConf): Result | undefined {
    return readCachedResult(this.cacheDir, list.name, list.cniVersion, rt);
  }

  getNetworkListCachedConfig(list: NetworkConfigList, rt: RuntimeConf): { config: Uint8Array; rt: RuntimeConf } | undefined {
    return readCachedConfig(this.cacheDir, list.name, rt);
  }

  getCachedAttachments(containerId = ''): NetworkAttachment[] {
    return cachedAttachments(this.cacheDir, containerId);
  }

  // Single plugin configs (libcni AddNetwork & co.): the plugin's own name and cniVersion.

  async addNetwork(net: PluginConfig, rt: RuntimeConf): Promise<Result> {
    await this.#prepare([net]);
    const result = await this.#addNetwork(net.network.name ?? '', net.network.cniVersion ?? '', net, undefined, rt);
    this.#cacheAdd(result, net.bytes, net.network.name ?? '', rt);
    return result;
  }

  async checkNetwork(net: PluginConfig, rt: RuntimeConf): Promise<void> {
    const name = net.network.name ?? '';
    const version = net.network.cniVersion ?? '';
    if (!versionGte(version, '0.4.0')) throw new Error(`configuration version ${JSON.stringify(version)} ${CHECK_NOT_SUPPORTED}`);
    checkNames(name, rt);
    let cached: Result | undefined;
    try {
      cached = readCachedResult(this.cacheDir, name, version, rt);
    } catch (err) {
      throw new Error(`failed to get network ${JSON.stringify(name)} cached result: ${(err as Error).message}`, { cause: err });
    }
    await this.#prepare([net]);
    await this.#exec('CHECK', net, rt, undefined, () => buildOneConfig(name, version, net, cached, rt));
  }

  async delNetwork(net: PluginConfig, rt: RuntimeConf): Promise<void> {
    const name = net.network.name ?? '';
    const version = net.network.cniVersion ?? '';
    checkNames(name, rt);
    const cached = this.#cachedForDel(name, version, rt);
    await this.#prepare([net]);
    await this.#exec('DEL', net, rt, undefined, () => buildOneConfig(name, version, net, cached, rt));
    deleteCache(this.cacheDir, name, rt);
  }

  /** GetVersionInfo: the plugin's VERSION answer (in-process for ours); pre-VERSION plugins speak 0.1.0. */
  async getVersionInfo(type: string): Promise<PluginInfo> {
    const pluginPath = this.#runner.find(type, this.path);
    if (this.#runner.inProcessEnabled) await prepareInProcess([type]);
    const env = { ...this.#env, CNI_COMMAND: 'VERSION', CNI_CONTAINERID: '', CNI_NETNS: 'dummy', CNI_ARGS: '', CNI_IFNAME: 'dummy', CNI_PATH: 'dummy' };
    let stdout: Uint8Array;
    try {
      stdout = await this.#runner.run(type, pluginPath, new TextEncoder().encode(`{"cniVersion":"${CURRENT_VERSION}"}`), env);
    } catch (err) {
      if ((err as Error).message === 'unknown CNI_COMMAND: VERSION') return { cniVersion: CURRENT_VERSION, supportedVersions: ['0.1.0'] };
      throw err;
    }
    return decodePluginInfo(stdout);
  }

  /**
   * ValidateNetworkList: every plugin is found and supports the list's version (VERSION); the
   * union of enabled capabilities. Errors are collected: `[e1 e2]`.
   */
  async validateNetworkList(list: NetworkConfigList): Promise<string[]> {
    const caps = new Set<string>();
    const errors: string[] = [];
    for (const net of list.plugins) {
      try {
        await this.#validatePlugin(net.network.type ?? '', list.cniVersion);
      } catch (err) {
        errors.push((err as Error).message);
      }
      for (const [cap, on] of Object.entries(net.network.capabilities ?? {})) if (on) caps.add(cap);
    }
    if (errors.length) throw new Error(`[${errors.join(' ')}]`);
    return [...caps];
  }

  async validateNetwork(net: PluginConfig): Promise<string[]> {
    await this.#validatePlugin(net.network.type ?? '', net.network.cniVersion ?? '');
    return Object.entries(net.network.capabilities ?? {})
      .filter(([, on]) => on)
      .map(([cap]) => cap);
  }

  async #validatePlugin(type: string, version: string): Promise<void> {
    const expected = version || '0.1.0';
    const info = await this.getVersionInfo(type);
    if (!info.supportedVersions.includes(expected)) throw new Error(`plugin ${type} does not support config version ${JSON.stringify(expected)}`);
  }
}

/**
 * The names of an attachment, checked for DEL and CHECK as libcni checks them for ADD: they
 * name the cache file, and no ADD can have made an attachment with names the skeleton refuses.
 */
function checkNames(network: string, rt: RuntimeConf): void {
  const bad = invalidAttachmentNames(network, rt);
  if (bad) throw bad;
}

/** GreaterThanOrEqualTo with parse errors read as "no" (libcni's GC and STATUS gates). */
function versionGteSafe(v: string, min: string): boolean {
  try {
    return versionGte(v, min);
  } catch {
    return false;
  }
}

/**
 * A plugin result in another version than the list's is converted to the list's version, so
 * the next plugin can parse its prevResult (libcni passes it unchanged: issue #862). When no
 * conversion exists the result is passed as the plugin gave it, as libcni does.
 */
function toListVersion(result: Result, cniVersion: string): Result {
  if (!ALL_VERSIONS.includes(cniVersion) || resultVersion(result) === cniVersion) return result;
  try {
    return convertResult(result, cniVersion);
  } catch {
    return result;
  }
}
