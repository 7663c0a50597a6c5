// loopback reads only the common fields (Go: types.NetConf) and a prevResult to pass through.
import { netConfSchema, parsePrevResult, parseWithSchema, toCurrentResult, toJsonSchema, type CniRequest, type Result } from '@cni-ts/cni';

export const loopbackConfigSchema = netConfSchema;

export interface LoopbackConf {
  cniVersion: string;
  prevResult?: Result;
}

/** The JSON Schema of a loopback configuration. */
export function loopbackJsonSchema(): Record<string, unknown> {
  return toJsonSchema(loopbackConfigSchema);
}

/** parseNetConf: the config, and its prevResult parsed in the config's version. */
export function parseConf(req: CniRequest): LoopbackConf {
  // Upstream returns decode errors untyped (999) with Go's text; we keep both and name the field in details.
  const conf = parseWithSchema(loopbackConfigSchema, req.config, { code: 999, prefix: 'failed to parse network config', detailsPath: true });
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
