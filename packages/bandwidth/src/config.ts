// The bandwidth network configuration: upstream's PluginConf (types.NetConf, the runtime's
// `bandwidth` capability and the same four fields at the top level) decoded with Go's JSON
// rules, and its validation. Rates are bits per second, bursts bits (uint64, as upstream).
import * as z from 'zod';
import { decode, go, goStruct, netConf, toJsonSchema, type CniRequest, type Result100 } from '@cni-ts/cni';
import { errText, prevResultOf } from '@cni-ts/plugin-kit';

const U32_MAX = 0xffffffff;

const uint64 = (what: string) => go(z.number().int(), 'uint64').optional().describe(what);

const entry = {
  ingressRate: uint64('rate towards the container, bits/s (0: no limit); needs ingressBurst'),
  ingressBurst: uint64('bucket towards the container, bits; needs ingressRate'),
  egressRate: uint64('rate from the container, bits/s (0: no limit); needs egressBurst'),
  egressBurst: uint64('bucket from the container, bits; needs egressRate'),
};

export const configSchema = netConf('PluginConf', {
  ...entry,
  runtimeConfig: goStruct('struct { Bandwidth *main.BandwidthEntry "json:\\"bandwidth,omitempty\\"" }', '', {
    bandwidth: goStruct('*main.BandwidthEntry', 'BandwidthEntry', entry).nullable().optional().describe('capability bandwidth'),
  })
    .optional()
    .describe('set by the runtime from capabilities; the top-level fields win when any of them is present'),
}).describe('bandwidth: limits the traffic of the container end of a veth (TBF on the host end, IFB for egress)');

export type NetConf = z.output<typeof configSchema>;

/** One BandwidthEntry: rates in bits/s, bursts in bits; absent = 0. */
export interface Bandwidth {
  ingressRate: number;
  ingressBurst: number;
  egressRate: number;
  egressBurst: number;
}

export interface LoadedConf {
  conf: NetConf;
  /** The entry in force (top level over capability); undefined: none. */
  bandwidth: Bandwidth | undefined;
  /** The previous result in the 1.1.0 shape, when the config has one. */
  prevResult: Result100 | undefined;
}

/** JSON Schema (draft 2020-12) of the bandwidth config, as a user writes it. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

type Entry = { ingressRate?: number | undefined; ingressBurst?: number | undefined; egressRate?: number | undefined; egressBurst?: number | undefined };

const entryOf = (e: Entry): Bandwidth => ({
  ingressRate: e.ingressRate ?? 0,
  ingressBurst: e.ingressBurst ?? 0,
  egressRate: e.egressRate ?? 0,
  egressBurst: e.egressBurst ?? 0,
});

/**
 * getBandwidth: Go embeds *BandwidthEntry in PluginConf, so any one of the four keys at the top
 * level (even a 0) allocates it and it wins over runtimeConfig.bandwidth as a whole.
 */
export function bandwidthOf(conf: NetConf): Bandwidth | undefined {
  const top = [conf.ingressRate, conf.ingressBurst, conf.egressRate, conf.egressBurst].some((v) => v !== undefined);
  if (top) return entryOf(conf);
  const rc = conf.runtimeConfig?.bandwidth;
  return rc ? entryOf(rc) : undefined;
}

export const isZero = (bw: Bandwidth): boolean => bw.ingressRate === 0 && bw.ingressBurst === 0 && bw.egressRate === 0 && bw.egressBurst === 0;

/** validateRateAndBurst, upstream's texts. */
export function validateRateAndBurst(rate: number, burst: number): void {
  if (burst === 0 && rate !== 0) throw new Error('if rate is set, burst must also be set');
  if (rate === 0 && burst !== 0) throw new Error('if burst is set, rate must also be set');
  if (Math.floor(burst / 8) >= U32_MAX) throw new Error('burst cannot be more than 4GB');
}

/** parseConfig: decode, validate the entry in force, parse prevResult (upstream's order and texts). */
export function loadConf(req: Pick<CniRequest, 'config' | 'cniVersion'>): LoadedConf {
  const conf = decode(configSchema, req.config, { prefix: 'failed to parse network configuration' });
  const bandwidth = bandwidthOf(conf);
  if (bandwidth) {
    validateRateAndBurst(bandwidth.ingressRate, bandwidth.ingressBurst);
    validateRateAndBurst(bandwidth.egressRate, bandwidth.egressBurst);
  }
  let prevResult: Result100 | undefined;
  try {
    prevResult = prevResultOf(conf.prevResult, req.cniVersion);
  } catch (err) {
    throw new Error(`could not parse prevResult: ${errText(err)}`, { cause: err });
  }
  return { conf, bandwidth, prevResult };
}
