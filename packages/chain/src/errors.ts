// Errors of list operations: libcni's texts, with the plugin's own CniError kept as the cause
// so its code survives (`err.code`), as Go's %w wrapping keeps it for errors.As.
import { CniError, errorText, type PluginConf } from '@cni-ts/cni';

/** libcni pluginDescription: `type="bridge"` or `type="bridge" name="x"`. */
export function pluginDescription(net: PluginConf | undefined): string {
  if (!net) return '<missing>';
  let out = `type=${JSON.stringify(net.type ?? '')}`;
  if (net.name) out += ` name=${JSON.stringify(net.name)}`;
  return out;
}

/** `plugin type="x" failed (add): <cause>`; `code` is the plugin's CNI error code, when it gave one. */
export class PluginFailedError extends Error {
  readonly type: string;
  readonly op: string;
  readonly code: number | undefined;

  constructor(net: PluginConf, op: 'add' | 'delete', cause: unknown) {
    super(`plugin ${pluginDescription(net)} failed (${op}): ${errorText(cause)}`, { cause });
    this.name = 'PluginFailedError';
    this.type = net.type ?? '';
    this.op = op;
    this.code = cniErrorOf(cause)?.code;
  }
}

/** The CniError in an error's cause chain (Go's errors.As). */
export function cniErrorOf(err: unknown): CniError | undefined {
  for (let e = err, depth = 0; e && depth < 16; e = (e as Error).cause, depth++) {
    if (e instanceof CniError) return e;
  }
  return undefined;
}
