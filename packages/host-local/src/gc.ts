import { parseAddr } from '@cni-ts/cni/ip';
import { decodeWithSchema, goField } from '@cni-ts/cni/schema';
import { z } from 'zod';
import { openStore } from './add';
import { loadStoreConfig } from './config';
import { withStoreLock } from './lock';
import { goTrimSpace, LINE_BREAK } from './store';

const attachment = z.object({
  containerID: goField(z.string(), 'GCAttachment', 'string').optional(),
  ifname: goField(z.string(), 'GCAttachment', 'string').optional(),
});
// A null element is Go's zero GCAttachment.
const attachments = goField(z.array(goField(attachment, 'NetConf', 'types.GCAttachment', { nullAs: {} })), 'NetConf', '[]types.GCAttachment');

/** The GC fields of the config (libcni sends both keys; the second is the spec's old name). */
export const gcSchema = z.object({
  'cni.dev/valid-attachments': attachments.optional(),
  'cni.dev/attachments': attachments.optional(),
});

export interface GcAttachment {
  containerID: string;
  ifname: string;
}

/**
 * The valid attachments of a GC request; undefined when the config carries no list at all
 * (then nothing is known to be stale). A JSON null counts as an empty list, as libcni sends it.
 */
export function validAttachments(config: unknown): GcAttachment[] | undefined {
  const n = decodeWithSchema(gcSchema, config, { pathInMessage: false });
  const obj = (config ?? {}) as Record<string, unknown>;
  const has = (k: string) => Object.keys(obj).some((key) => key.toLowerCase() === k);
  const list = n['cni.dev/valid-attachments'] ?? n['cni.dev/attachments'];
  if (!list && !has('cni.dev/valid-attachments') && !has('cni.dev/attachments')) return undefined;
  return (list ?? []).map((a) => ({ containerID: a.containerID ?? '', ifname: a.ifname ?? '' }));
}

/**
 * GC (spec 1.1): releases every reservation of the network whose attachment is not in
 * `cni.dev/valid-attachments`. Only files named by an address are reservations (`lock` and
 * `last_reserved_ip.N` stay); a legacy file holding only a container id is kept while any valid
 * attachment has that container id. Returns the released addresses.
 */
export async function cmdGc(req: { config: unknown }): Promise<string[]> {
  const valid = validAttachments(req.config);
  const conf = loadStoreConfig(req.config);
  if (!valid) return [];
  const keys = new Set(valid.map((a) => goTrimSpace(a.containerID) + LINE_BREAK + a.ifname));
  const ids = new Set(valid.map((a) => goTrimSpace(a.containerID)));
  const store = openStore(conf);
  return withStoreLock(store.lockPath, () => {
    const released: string[] = [];
    for (const e of store.topEntries()) {
      if (!parseAddr(e.name)) continue;
      const live = e.key.includes(LINE_BREAK) ? keys.has(e.key) : ids.has(e.key) && e.key !== '';
      if (!live && store.remove(e)) released.push(e.name);
    }
    return released;
  });
}
