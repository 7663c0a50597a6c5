// The CNI commands over a store: ADD (one address per range, rolled back on failure, static
// addresses appended), DEL (every range, by container id and interface), CHECK (the attachment
// holds its addresses) and GC (spec 1.1: what this node's runtime no longer lists is released).
import { readFileSync } from 'node:fs';
import type { CniArgs } from '@cni-ts/cni';
import type { Addr } from '@cni-ts/cni/ip';
import type { Attachment } from './allocate';
import { loadConfig, type DNS, type LoadOptions, type WhereaboutsConfig } from './config';
import { createLogger, type Logger } from './log';
import { type IpRange, ipText } from './range';
import { ADD_TIMEOUT_MS, DEL_TIMEOUT_MS, type Store, type StoreOptions } from './store';

export interface IpamRequest {
  containerId: string;
  ifname: string;
  /** The network config (stdin, parsed). */
  config: unknown;
  /** CNI_ARGS: the skeleton's decoder or the raw text. */
  args?: CniArgs['load'] | string;
  env?: Readonly<Record<string, string | undefined>>;
  /** stderr lines (the skeleton's req.log). */
  log?: (line: string) => void;
}

/** What a test or the bench may inject. */
export interface IpamDeps {
  /** A store to use instead of the configured one. */
  store?: Store;
  /** Store tuning (retry budget, pool write guard). */
  storeOptions?: Partial<StoreOptions> & Record<string, unknown>;
  loadOptions?: LoadOptions;
  /** Overrides ADD's / DEL's time budget (ms). */
  timeoutMs?: number;
}

export interface IpamResult {
  cniVersion: string;
  ips: { address: string; gateway?: string }[];
  routes?: { dst: string; gw?: string }[];
  dns: DNS;
}

/** A failure of the store; the message is prefixed as whereabouts does (`error at storage engine: ...`). */
export class StorageError extends Error {}

function load(req: IpamRequest, deps: IpamDeps): { conf: WhereaboutsConfig; log: Logger } {
  const conf = loadConfig(req.config, { args: req.args, ...deps.loadOptions });
  const log = createLogger({ level: conf.logLevel, file: conf.logFile, stderr: req.log });
  return { conf, log };
}

/** The configured store: the Kubernetes API or etcd (each loaded only when used). */
export async function openStore(conf: WhereaboutsConfig, log: Logger, deps: IpamDeps = {}, env: Readonly<Record<string, string | undefined>> = process.env): Promise<Store> {
  if (deps.store) return deps.store;
  const opts = { networkName: conf.networkName, overlappingRanges: conf.overlappingRanges, sleepForRaceMs: conf.sleepForRaceSeconds * 1000, log, ...deps.storeOptions };
  if (conf.datastore === 'etcd') {
    const { EtcdStore } = await import('./etcd/store');
    return EtcdStore.open(conf.etcd, { ...opts, node: nodeName(conf, env) });
  }
  const { KubernetesStore } = await import('./k8s/store');
  try {
    return await KubernetesStore.open(conf.kubeconfig, opts, env);
  } catch (err) {
    throw new Error(`failed to create Kubernetes IPAM manager: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The node this runs on (whereabouts' getNodeName): $NODENAME, else `<configuration_path>/nodename`
 * (the DaemonSet writes it), else /etc/hostname.
 */
export function nodeName(conf: Pick<WhereaboutsConfig, 'configurationPath'>, env: Readonly<Record<string, string | undefined>> = process.env): string {
  if (env.NODENAME?.trim()) return env.NODENAME.trim();
  for (const file of [`${conf.configurationPath}/nodename`, '/etc/hostname']) {
    try {
      const name = readFileSync(file, 'utf8').trim();
      if (name) return name;
    } catch {
      // next
    }
  }
  return '';
}

const storageError = (err: unknown) => new StorageError(`error at storage engine: ${(err as Error).message}`, { cause: err });

function attachment(conf: WhereaboutsConfig, req: IpamRequest): Attachment {
  return { containerID: req.containerId, ifname: req.ifname, podRef: conf.podRef };
}

/** ADD. */
export async function cmdAdd(req: IpamRequest, deps: IpamDeps = {}): Promise<IpamResult> {
  const { conf, log } = load(req, deps);
  const store = await openStore(conf, log, deps, req.env);
  try {
    if (conf.datastore === 'kubernetes' && !conf.podName) throw storageError(new Error('IPAM client initialization error: no pod name'));
    const deadline = Date.now() + (deps.timeoutMs ?? ADD_TIMEOUT_MS);
    const who = attachment(conf, req);
    log.debug(`Beginning IPAM for ContainerID: ${JSON.stringify(req.containerId)} - podRef: ${JSON.stringify(conf.podRef)} - ifName: ${JSON.stringify(req.ifname)}`);
    const got: { range: IpRange; ip: Addr; fresh: boolean }[] = [];
    try {
      for (const range of conf.ranges) {
        const { ip, fresh } = await store.allocate(range, who, deadline);
        got.push({ range, ip, fresh });
      }
    } catch (err) {
      // Upstream keeps what the earlier ranges gave; we release what this ADD reserved.
      for (const g of got.filter((x) => x.fresh).toReversed()) {
        await store.release(g.range, req.containerId, req.ifname, Date.now() + DEL_TIMEOUT_MS).catch((e: Error) => log.error(`rollback of ${ipText(g.ip)}: ${e.message}`));
      }
      log.error(`Error at storage engine: ${(err as Error).message}`);
      throw storageError(err);
    }
    const gateway = conf.gateway && ipText(conf.gateway);
    const result: IpamResult = {
      cniVersion: '1.1.0',
      ips: [
        ...got.map((g) => ({ address: `${ipText(g.ip)}/${g.range.prefix}`, ...(gateway ? { gateway } : {}) })),
        ...conf.addresses.map((a) => ({ address: a.address, ...(a.gateway ? { gateway: a.gateway } : {}) })),
      ],
      dns: conf.dns,
    };
    if (conf.routes.length > 0) result.routes = conf.routes;
    return result;
  } finally {
    await store.close();
  }
}

/**
 * DEL: releases the attachment's address in every range (upstream stops at the first range
 * without one, and swallows store failures; a failure here fails the DEL, so the runtime
 * retries it).
 */
export async function cmdDel(req: IpamRequest, deps: IpamDeps = {}): Promise<void> {
  const { conf, log } = load(req, deps);
  let store: Store;
  try {
    store = await openStore(conf, log, deps, req.env);
  } catch (err) {
    throw new Error(`IPAM client initialization error: ${(err as Error).message}`, { cause: err });
  }
  try {
    const deadline = Date.now() + (deps.timeoutMs ?? DEL_TIMEOUT_MS);
    const errors: string[] = [];
    for (const range of conf.ranges) {
      try {
        const ip = await store.release(range, req.containerId, req.ifname, deadline);
        log.debug(ip ? `released ${ipText(ip)} of ${req.containerId} (${req.ifname}) in ${range.cidr}` : `no allocation of ${req.containerId} (${req.ifname}) in ${range.cidr}`);
      } catch (err) {
        errors.push(`${range.cidr}: ${(err as Error).message}`);
      }
    }
    if (errors.length > 0) throw storageError(new Error(errors.join('; ')));
  } finally {
    await store.close();
  }
}

/** CHECK: every range holds an address of this attachment (upstream: not implemented). */
export async function cmdCheck(req: IpamRequest, deps: IpamDeps = {}): Promise<void> {
  const { conf, log } = load(req, deps);
  const store = await openStore(conf, log, deps, req.env);
  try {
    const deadline = Date.now() + (deps.timeoutMs ?? DEL_TIMEOUT_MS);
    for (const range of conf.ranges) {
      const rs = await store.reservations(range, deadline).catch((err: Error) => {
        throw storageError(err);
      });
      const mine = rs.find((r) => r.containerID === req.containerId && r.ifname === req.ifname && (!conf.podRef || r.podRef === conf.podRef));
      if (!mine) {
        throw new Error(`whereabouts: no address in ${range.cidr} for container ${req.containerId} interface ${req.ifname}${conf.podRef ? ` (pod ${conf.podRef})` : ''}`);
      }
    }
  } finally {
    await store.close();
  }
}

export interface GcAttachment {
  containerID: string;
  ifname: string;
}

/** `cni.dev/valid-attachments` (or the older `cni.dev/attachments`); undefined when the request has neither. */
export function validAttachments(config: unknown): GcAttachment[] | undefined {
  const obj = (config && typeof config === 'object' ? config : {}) as Record<string, unknown>;
  const key = Object.keys(obj).find((k) => k.toLowerCase() === 'cni.dev/valid-attachments') ?? Object.keys(obj).find((k) => k.toLowerCase() === 'cni.dev/attachments');
  if (key === undefined) return undefined;
  const list = obj[key];
  if (list === null) return [];
  if (!Array.isArray(list)) throw new Error(`json: cannot unmarshal ${typeof list} into Go struct field NetConf.${key} of type []types.GCAttachment`);
  return list.map((a) => {
    const o = (a ?? {}) as { containerID?: unknown; ifname?: unknown };
    return { containerID: typeof o.containerID === 'string' ? o.containerID : '', ifname: typeof o.ifname === 'string' ? o.ifname : '' };
  });
}

/**
 * GC (spec 1.1): in every range, releases the reservations of this node whose attachment the
 * runtime no longer lists. A reservation is this node's when its pod runs here (Kubernetes) or
 * it was made here (etcd); one whose pod no longer exists at all is released too. Returns the
 * released addresses.
 */
export async function cmdGc(req: IpamRequest, deps: IpamDeps = {}): Promise<string[]> {
  const valid = validAttachments(req.config);
  const { conf, log } = load(req, deps);
  if (!valid) return [];
  const keep = new Set(valid.map((a) => `${a.containerID}\n${a.ifname}`));
  const node = nodeName(conf, req.env);
  const store = await openStore(conf, log, deps, req.env);
  const released: string[] = [];
  try {
    const deadline = Date.now() + (deps.timeoutMs ?? DEL_TIMEOUT_MS);
    for (const range of conf.ranges) {
      for (const r of await store.reservations(range, deadline)) {
        if (keep.has(`${r.containerID}\n${r.ifname}`)) continue;
        const where = await store.whereIs(r, node, deadline);
        if (where === 'elsewhere') continue;
        if (await store.remove(range, r, deadline)) {
          log.verbose(`GC released ${ipText(r.ip)} of ${r.podRef || r.containerID} (${r.ifname}) in ${range.cidr}: ${where === 'gone' ? 'its pod no longer exists' : 'not a valid attachment on this node'}`);
          released.push(ipText(r.ip));
        }
      }
    }
  } catch (err) {
    throw storageError(err);
  } finally {
    await store.close();
  }
  return released;
}
