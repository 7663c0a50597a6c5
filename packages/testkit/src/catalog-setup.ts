// vitest setup file: installs the catalog of our plugins (every workspace package with a
// src/plugin.ts), as the binary's entry does from the build, so in-process runs of the chain
// (and `cni-ts validate`) find them from source.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setPluginCatalog } from '@cni-ts/cni';
import { catalogFor, discoverPlugins } from '../../../tools/build/lib/plugins.mjs';

setPluginCatalog(
  Object.fromEntries(catalogFor(discoverPlugins(join(import.meta.dirname, '../../..'))).map((p) => [p.name, () => import(pathToFileURL(p.plugin!).href)])),
);
