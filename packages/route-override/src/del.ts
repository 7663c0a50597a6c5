// DEL undoes ADD from its record: deletes the routes ADD added (if still there) and adds back
// the routes it deleted (if their interface is still there). Upstream's DEL did nothing. Like
// every DEL it succeeds whatever it finds: a missing netns, interface or record means there is
// nothing left to undo; other failures are reported on stderr.
import { existsSync } from 'node:fs';
import type { CniRequest } from '@cni-ts/cni';
import { withNetns } from '@cni-ts/netlink';
import { DATA_DIR_ENV, DEFAULT_DATA_DIR, loadConf } from './config';
import { addRoute, deleteRoute, describeSpec } from './kernel';
import { readChanges, removeChanges, stateFile } from './state';

function dataDir(req: CniRequest): string {
  try {
    return loadConf(req).dataDir;
  } catch {
    // DEL must not fail on a config ADD would have refused
    return req.env[DATA_DIR_ENV] || DEFAULT_DATA_DIR;
  }
}

export function cmdDel(req: CniRequest): void {
  const file = stateFile(dataDir(req), req.containerId, req.ifname);
  if (!existsSync(file)) return;
  try {
    const changes = readChanges(file);
    if (!changes || req.netns === '') return;
    withNetns(req.netns, () => {
      for (const spec of changes.added.toReversed()) {
        try {
          deleteRoute(spec);
        } catch (err) {
          req.log(`route-override: failed to delete route '${describeSpec(spec)}': ${(err as Error).message}`);
        }
      }
      for (const spec of changes.deleted) {
        try {
          addRoute(spec);
        } catch (err) {
          // ENODEV/LinkNotFound: the interface went away with its routes; nothing to restore
          const code = (err as { code?: string }).code;
          if (code !== 'ENODEV' && code !== 'ENETUNREACH' && !(err instanceof Error && err.message === 'Link not found')) {
            req.log(`route-override: failed to restore route '${describeSpec(spec)}': ${(err as Error).message}`);
          }
        }
      }
    });
  } catch (err) {
    req.log(`route-override: not restoring routes from ${file}: ${(err as Error).message}`);
  } finally {
    removeChanges(file);
  }
}
