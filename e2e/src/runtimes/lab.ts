// One implementation's lab: a world, the shimmed plugin set, podman and (on demand) containerd
// inside it, and readers for the state a correct teardown must leave clean.
import { existsSync, readdirSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { run } from './_exec.ts';
import { startContainerd, type Containerd } from './containerd.ts';
import { pluginSet, type Impl, type PluginSet } from './plugins.ts';
import { setupPodman, type Podman } from './podman.ts';
import { openWorld, type World } from './world.ts';

export interface Lab {
  impl: Impl;
  world: World;
  plugins: PluginSet;
  podman: Podman;
  containerd(): Promise<Containerd>;
  close(): Promise<string[]>;
}

export async function openLab(impl: Impl, rootfsTar: string, ours?: string): Promise<Lab> {
  const world = await openWorld(impl);
  try {
    const plugins = pluginSet(impl, world.dir, ours);
    const podman = setupPodman(world, plugins, rootfsTar);
    let ctd: Promise<Containerd> | undefined;
    return {
      impl,
      world,
      plugins,
      podman,
      containerd: () => (ctd ??= startContainerd(world, plugins, rootfsTar)),
      async close() {
        if (ctd) (await ctd.catch(() => undefined))?.close();
        return world.close();
      },
    };
  } catch (err) {
    await world.close();
    throw err;
  }
}

/** Files in a directory of the world ([] when it does not exist). */
export function filesIn(world: World, dir: string): string[] {
  const p = world.inside(dir);
  return existsSync(p) ? readdirSync(p).toSorted() : [];
}

/** IP addresses host-local still holds for a network (its lock/last_reserved files aside). */
export function leases(world: World, network: string): string[] {
  return filesIn(world, join('/var/lib/cni/networks', network)).filter((f) => isIP(f) !== 0);
}

/** libcni's cached results for a network. */
export function cachedResults(world: World, network: string): string[] {
  return filesIn(world, '/var/lib/cni/results').filter((f) => f.startsWith(`${network}-`));
}

/** Links of the lab namespace: "name kind" (veth, bridge, macvlan...). */
export function labLinks(world: World): string[] {
  const out = run('ip', ['-n', world.netns, '-j', '-d', 'link', 'show']).stdout;
  const list = JSON.parse(out || '[]') as Array<{ ifname: string; linkinfo?: { info_kind?: string } }>;
  return list.map((l) => `${l.ifname} ${l.linkinfo?.info_kind ?? ''}`.trim());
}

/**
 * The lab's packet-filter rules: `iptables -S` of every table and the rule lines of the nft
 * ruleset. Policies and empty tables/chains are left out: they appear on first use and stay.
 */
export function labRules(world: World): { iptables: string[]; nft: string[] } {
  const iptables: string[] = [];
  for (const table of ['filter', 'nat', 'mangle', 'raw']) {
    const r = run('ip', ['netns', 'exec', world.netns, 'iptables', '-t', table, '-S']);
    if (r.status === 0) iptables.push(...r.stdout.split('\n').filter((l) => l && !l.startsWith('-P ')).map((l) => `${table}: ${l}`));
  }
  const nft = run('ip', ['netns', 'exec', world.netns, 'nft', '-s', 'list', 'ruleset'])
    .stdout.split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(table |chain |type |policy |\}$)/.test(l));
  return { iptables, nft };
}
