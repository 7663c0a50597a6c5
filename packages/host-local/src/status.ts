import { accessSync, constants } from 'node:fs';
import { openStore } from './add';
import { loadStoreConfig } from './config';

/** STATUS failed: the plugin cannot serve ADD (spec 1.1 code 50). */
export class UnavailableError extends Error {
  override name = 'UnavailableError';
}

/**
 * STATUS (spec 1.1): host-local can serve ADD when its network directory exists (or can be
 * created) and is writable. Exhausted ranges are not reported: a node must not turn NotReady
 * because one pool is full.
 */
export async function cmdStatus(req: { config: unknown }): Promise<void> {
  const conf = loadStoreConfig(req.config);
  try {
    const store = openStore(conf);
    accessSync(store.dir, constants.W_OK | constants.X_OK);
  } catch (err) {
    throw new UnavailableError(`host-local: data directory not usable: ${(err as Error).message}`, { cause: err });
  }
}
