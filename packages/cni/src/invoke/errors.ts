// RawExec.pluginErr: what a failed plugin run becomes for its caller.
import { CniError } from '../errors';
import { goJsonKind } from '../gojson/fields';
import { goJsonParse } from '../gojson/parse';
import { goQuote } from '../gojson/quote';

const utf8 = new TextDecoder();

/** Decodes stdout into types.Error {code uint, msg, details}, keys case-insensitive. */
function decodeError(stdout: Uint8Array): { code: number; msg: string; details: string; err?: string } {
  const out = { code: 0, msg: '', details: '', err: undefined as string | undefined };
  let v: unknown;
  try {
    v = goJsonParse(stdout);
  } catch (e) {
    return { ...out, err: (e as Error).message };
  }
  if (v === null) return out;
  if (typeof v !== 'object' || Array.isArray(v)) {
    return { ...out, err: `json: cannot unmarshal ${goJsonKind(v)} into Go value of type types.Error` };
  }
  for (const [k, val] of Object.entries(v)) {
    const key = k.toLowerCase();
    if (val === null || !['code', 'msg', 'details'].includes(key)) continue;
    if (key === 'code') {
      if (typeof val === 'number' && Number.isInteger(val) && val >= 0) out.code = val;
      else out.err ??= `json: cannot unmarshal ${typeof val === 'number' ? `number ${val}` : goJsonKind(val)} into Go struct field Error.code of type uint`;
    } else if (typeof val === 'string') {
      out[key as 'msg' | 'details'] = val;
    } else {
      out.err ??= `json: cannot unmarshal ${goJsonKind(val)} into Go struct field Error.${key} of type string`;
    }
  }
  return out;
}

/**
 * The error of a failed plugin: its JSON error object from stdout (code 0 when the object has
 * none, even for a Result); else a text built from stderr or the exit reason, code 0.
 * `reason` is Go's exec error text: "exit status 1", "signal: killed".
 */
export function pluginError(reason: string, stdout: Uint8Array, stderr: Uint8Array): CniError {
  if (stdout.length === 0) {
    if (stderr.length === 0) return new CniError(0, `netplugin failed with no error message: ${reason}`);
    return new CniError(0, `netplugin failed: ${goQuote(utf8.decode(stderr))}: ${reason}`);
  }
  const e = decodeError(stdout);
  if (e.err !== undefined) {
    return new CniError(e.code, `netplugin failed but error parsing its diagnostic message ${goQuote(utf8.decode(stdout))}: ${e.err}`, e.details);
  }
  return new CniError(e.code, e.msg, e.details);
}
