// ExecPluginWithResult's parsing: a plugin's stdout becomes a typed result.
import { errorText } from '../errors';
import { goStringField, goJsonKind } from '../gojson/fields';
import { goJsonParse } from '../gojson/parse';
import { createResult } from '../result/create';
import type { Result } from '../result/types';

/** create.DecodeVersion of a config ("0.1.0" when absent). */
export function decodeConfigVersion(netconf: Uint8Array | unknown): string {
  try {
    const json = netconf instanceof Uint8Array ? goJsonParse(netconf) : netconf;
    return goStringField(json, 'cniVersion', 'CNIVersion') || '0.1.0';
  } catch (err) {
    throw new Error(`decoding version from network config: ${errorText(err)}`, { cause: err });
  }
}

/**
 * fixupResultVersion + create.Create: stdout must be a JSON object (null counts as {});
 * a result whose "cniVersion" is missing, empty or not a string takes the config's version
 * (issue #895); otherwise its own version picks the type. The result is not converted.
 */
export function parsePluginResult(netconf: Uint8Array, stdout: Uint8Array): Result {
  const confVersion = decodeConfigVersion(netconf);
  let raw: unknown;
  try {
    raw = goJsonParse(stdout);
  } catch (err) {
    throw new Error(`failed to unmarshal raw result: ${errorText(err)}`, { cause: err });
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new Error(`failed to unmarshal raw result: json: cannot unmarshal ${goJsonKind(raw)} into Go value of type map[string]interface {}`);
  }
  const obj = (raw ?? {}) as Record<string, unknown>;
  const own = obj.cniVersion;
  if (typeof own === 'string' && own !== '') return createResult(own, obj);
  const fixed: Record<string, unknown> = { ...obj };
  delete fixed.cniVersion;
  fixed.cniVersion = confVersion;
  return createResult(confVersion, fixed);
}
