// CHECK's first steps, shared by the plugins: the previous result, in the 1.1.0 shape, and the
// container interface it lists for this attachment.
import { parsePrevResult, toCurrentResult, type Interface100, type Result100 } from '@cni-ts/cni';

/**
 * version.ParsePrevResult + NewResultFromResult of a config's `prevResult` value; undefined
 * when there is none. Parse errors are thrown as the cni package reports them.
 */
export function prevResultOf(raw: unknown, cniVersion: string): Result100 | undefined {
  if (raw === undefined || raw === null) return undefined;
  const r = parsePrevResult(raw, cniVersion);
  return r === undefined ? undefined : toCurrentResult(r);
}

/**
 * The interface of `result` named `ifname` whose sandbox is `netns` (the last such entry, as
 * upstream's loop keeps overwriting), or an empty interface when none matches.
 */
export function containerInterface(result: Result100, ifname: string, netns: string): Interface100 {
  let found: Interface100 = { name: '', sandbox: '' };
  for (const i of result.interfaces ?? []) {
    if (i.name === ifname && i.sandbox === netns) found = i;
  }
  return found;
}
