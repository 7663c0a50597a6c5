#!/usr/bin/env node
// The loopback binary: everything is the skeleton's; the plugin object is all we bring.
import { run } from '@cni-ts/cni/skel';
import { loopback } from './plugin';

await run(loopback);
