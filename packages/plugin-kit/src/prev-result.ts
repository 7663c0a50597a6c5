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

/**
 * CHECK's first step in the main plugins: the config's prevResult (`missing` is the plugin's
 * text when there is none) and its interface for this attachment, which must sit in CNI_NETNS
 * (upstream's `Sandbox in prevResult … doesn't match configured netns: …`).
 */
export function prevAttachment(
  raw: unknown,
  req: { cniVersion: string; ifname: string; netns: string },
  missing: string,
): { result: Result100; intf: Interface100 } {
  const result = prevResultOf(raw, req.cniVersion);
  if (result === undefined) throw new Error(missing);
  const intf = containerInterface(result, req.ifname, req.netns);
  if (intf.sandbox !== req.netns) {
    throw new Error(`Sandbox in prevResult ${intf.sandbox ?? ''} doesn't match configured netns: ${req.netns}`);
  }
  return { result, intf };
}
