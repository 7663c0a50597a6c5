// podman 4.3 with its CNI backend, confined to a world: containers.conf and storage.conf under
// the world's directory (CONTAINERS_CONF / CONTAINERS_STORAGE_CONF), runc with cgroupfs, no
// rlimits in the spec (no CAP_SYS_RESOURCE here), see shared/reference/real-clients.md §4.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Ran, RunOptions } from './_exec.ts';
import type { PluginSet } from './plugins.ts';
import type { World } from './world.ts';

export const IMAGE = 'localhost/busybox:latest';

export interface Podman {
  readonly dir: string;
  readonly env: NodeJS.ProcessEnv;
  /** `podman ARGS` inside the world (lab network namespace, private mounts). */
  run(args: readonly string[], opts?: RunOptions): Ran;
  must(args: readonly string[], opts?: RunOptions): string;
  /** The conflist podman wrote for a network. */
  conflistPath(network: string): string;
  /** `podman run -d` of a sleeping busybox on one network, under the world's cgroup. */
  start(name: string, network: string, extra?: readonly string[]): string;
  ip(container: string, network: string): string;
  sandboxKey(container: string): string;
}

export function setupPodman(world: World, plugins: PluginSet, rootfsTar: string): Podman {
  const dir = join(world.dir, 'podman');
  for (const d of ['net.d', 'storage', 'runroot', 'tmp']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(
    join(dir, 'containers.conf'),
    `[containers]
log_driver = "k8s-file"
# no CAP_SYS_RESOURCE: podman's default nofile/nproc rlimits would make runc fail
default_ulimits = []
[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"
events_logfile_path = "${dir}/events.log"
tmp_dir = "${dir}/tmp"
image_copy_tmp_dir = "${dir}/tmp"
# crun 1.8 refuses this host's hybrid cgroup layout; runc works
runtime = "runc"
[network]
network_backend = "cni"
cni_plugin_dirs = ["${plugins.dir}"]
network_config_dir = "${dir}/net.d"
default_network = "podman"
`,
  );
  writeFileSync(
    join(dir, 'storage.conf'),
    `[storage]
driver = "overlay"
graphroot = "${dir}/storage"
runroot = "${dir}/runroot"
`,
  );
  const env = { ...process.env, CONTAINERS_CONF: join(dir, 'containers.conf'), CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf') };
  const run = (args: readonly string[], opts?: RunOptions) => world.exec('podman', args, { ...opts, env });
  const must = (args: readonly string[], opts?: RunOptions) => {
    const r = run(args, opts);
    if (r.status !== 0) throw new Error(`podman ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).trim()}`);
    return r.stdout;
  };
  must(['import', '-q', rootfsTar, IMAGE]);
  const inspect = (container: string, format: string) => must(['inspect', container, '--format', format]).trim();
  return {
    dir,
    env,
    run,
    must,
    conflistPath: (network) => join(dir, 'net.d', `${network}.conflist`),
    start: (name, network, extra = []) =>
      must(['run', '-d', '--name', name, '--network', network, '--cgroup-parent', world.cgroupParent, ...extra, IMAGE, 'sleep', '3600']).trim(),
    ip: (container, network) => inspect(container, `{{(index .NetworkSettings.Networks "${network}").IPAddress}}`),
    sandboxKey: (container) => inspect(container, '{{.NetworkSettings.SandboxKey}}'),
  };
}
