// GC (spec 1.1.0): records of this network's attachments that the runtime no longer lists are
// removed. The runtime has already run DEL for the attachments it knew about; what is left here
// belongs to containers whose DEL never came (their namespace, and its routes, are gone).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CniRequest } from '@cni-ts/cni';
import { loadConf } from './config';
import { readChanges, removeChanges } from './state';

function validAttachments(config: Record<string, unknown>): Set<string> | undefined {
  const list = config['cni.dev/valid-attachments'] ?? config['cni.dev/attachments'];
  if (!Array.isArray(list)) return undefined;
  return new Set(list.map((a: { containerID?: unknown; ifname?: unknown }) => `${String(a?.containerID)}\0${String(a?.ifname)}`));
}

export function cmdGc(req: CniRequest): void {
  const conf = loadConf(req);
  const valid = validAttachments(req.config);
  // without the list every attachment would look stale: do nothing rather than guess
  if (!valid) return;
  let names: string[];
  try {
    names = readdirSync(conf.dataDir).filter((n) => n.endsWith('.json'));
  } catch {
    return;
  }
  for (const name of names) {
    const file = join(conf.dataDir, name);
    try {
      const c = readChanges(file);
      if (!c || c.network !== conf.name || valid.has(`${c.containerId}\0${c.ifname}`)) continue;
      removeChanges(file);
    } catch (err) {
      req.log(`route-override: gc: skipping ${file}: ${(err as Error).message}`);
    }
  }
}
