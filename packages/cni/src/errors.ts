/**
 * CNI error codes (SPEC "Error" + the Go library's extra 8 and 999). 0–99 are reserved for
 * well-known errors; plugins use codes >= 100 for their own.
 */
export const ErrCode = {
  unknown: 0,
  incompatibleCniVersion: 1,
  unsupportedField: 2,
  unknownContainer: 3,
  invalidEnvironmentVariables: 4,
  ioFailure: 5,
  decodingFailure: 6,
  invalidNetworkConfig: 7,
  invalidNetNS: 8,
  tryAgainLater: 11,
  pluginNotAvailable: 50,
  limitedConnectivity: 51,
  internal: 999,
} as const;

export type ErrCodeName = keyof typeof ErrCode;

/** The JSON shape of an error object; Go emits only these three keys (details omitted when empty). */
export interface CniErrorJson {
  code: number;
  msg: string;
  details?: string;
}

/**
 * A typed CNI error: the skeleton prints it unchanged (code, msg, details), where any other
 * thrown value becomes code 999 with the error text as msg.
 */
export class CniError extends Error {
  readonly code: number;
  readonly msg: string;
  readonly details: string;

  constructor(code: number, msg: string, details = '', options?: { cause?: unknown }) {
    // Error() text of Go's types.Error: "msg" or "msg; details".
    super(details ? `${msg}; ${details}` : msg, options);
    this.name = 'CniError';
    this.code = code;
    this.msg = msg;
    this.details = details;
  }

  toJSON(): CniErrorJson {
    return this.details ? { code: this.code, msg: this.msg, details: this.details } : { code: this.code, msg: this.msg };
  }
}

export function isCniError(err: unknown): err is CniError {
  return err instanceof CniError;
}

/** Text of any thrown value, as Go's err.Error() would give it (never a stack). */
export function errorText(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/**
 * What the skeleton does with a failure: a CniError passes through, anything else is wrapped
 * as code 999 (ErrInternal) whose msg is the error text.
 */
export function toCniError(err: unknown): CniError {
  if (err instanceof CniError) return err;
  return new CniError(ErrCode.internal, errorText(err), '', { cause: err });
}

/**
 * A configuration the plugin refuses: Go plugins return these untyped (code 999) with their own
 * text; the offending field goes to `details` (`ipam.ranges[0][1].rangeStart`, `CNI_ARGS`).
 */
export function configError(msg: string, field: string, options?: { cause?: unknown }): CniError {
  return new CniError(ErrCode.internal, msg, field, options);
}
