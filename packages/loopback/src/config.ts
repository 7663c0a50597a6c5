// loopback reads only the common fields (Go: types.NetConf) and a prevResult to pass through.
import { decode, netConfSchema, parsePrevResult, toCurrentResult, toJsonSchema, type CniRequest, type Result } from '@cni-ts/cni';

export const configSchema = netConfSchema;

export interface LoopbackConf {
  cniVersion: string;
  prevResult?: Result;
}

/** The JSON Schema of a loopback configuration. */
export function jsonSchema(): Record<string, unknown> {
  return toJsonSchema(configSchema);
}

/** parseNetConf: the config, and its prevResult parsed in the config's version. */
export function loadConf(req: CniRequest): LoopbackConf {
  // Upstream returns decode errors untyped (999) with Go's text; we keep both and name the field in details.
  const conf = decode(configSchema, req.config, { prefix: 'failed to parse network config' });
  const cniVersion = conf.cniVersion ?? '';
  if (conf.prevResult === undefined) return { cniVersion };
  let prevResult: Result | undefined;
  try {
    prevResult = parsePrevResult(conf.prevResult, cniVersion);
  } catch (err) {
    throw new Error(`failed to parse prevResult: ${(err as Error).message}`, { cause: err });
  }
  try {
    if (prevResult) toCurrentResult(prevResult);
  } catch (err) {
    throw new Error(`failed to convert result to current version: ${(err as Error).message}`, { cause: err });
  }
  return { cniVersion, prevResult };
}
