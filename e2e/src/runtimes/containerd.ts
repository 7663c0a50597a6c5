// containerd 1.6 (Debian) with its CRI plugin, confined to a world: root, state, socket, CNI
// config dir and opt dir under the world's directory; started inside the world's namespaces
// (so its CNI plugins run in the lab netns) and killed with it. See real-clients.md §5.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { until } from './_exec.ts';
import { CriClient } from './cri.ts';
import { dockerArchive } from './image.ts';
import type { PluginSet } from './plugins.ts';
import type { World } from './world.ts';

export const PAUSE_IMAGE = 'localhost/pause:bbx';

export interface Containerd {
  readonly dir: string;
  readonly socket: string;
  /** The CNI config dir the CRI plugin watches (the first conflist is used). */
  readonly confDir: string;
  readonly cri: CriClient;
  /** `ctr -a SOCK ARGS` inside the world. */
  ctr(args: readonly string[]): string;
  /** Closes the client; the daemon itself dies with its world. */
  close(): void;
}

export async function startContainerd(world: World, plugins: PluginSet, rootfsTar: string): Promise<Containerd> {
  const dir = join(world.dir, 'containerd');
  const confDir = join(dir, 'net.d');
  const socket = join(dir, 'containerd.sock');
  mkdirSync(confDir, { recursive: true });
  const config = join(dir, 'config.toml');
  writeFileSync(
    config,
    `version = 2
root = "${dir}/root"
state = "${dir}/state"
# nothing this suite does not use: faster start, fewer moving parts
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]
[grpc]
  address = "${socket}"
[ttrpc]
  address = ""
[debug]
  address = ""
[metrics]
  address = ""
[plugins]
  [plugins."io.containerd.grpc.v1.cri"]
    sandbox_image = "${PAUSE_IMAGE}"
    # no CAP_SYS_RESOURCE here: the sandbox's oom_score_adj=-998 would make runc fail
    restrict_oom_score_adj = true
    stream_server_address = "127.0.0.1"
    stream_server_port = "0"
    [plugins."io.containerd.grpc.v1.cri".cni]
      bin_dir = "${plugins.dir}"
      conf_dir = "${confDir}"
      max_conf_num = 1
  [plugins."io.containerd.internal.v1.opt"]
    path = "${dir}/opt"
`,
  );
  const daemon = world.daemon('containerd', ['--config', config], join(dir, 'containerd.log'));
  const cri = new CriClient(socket, 60_000);
  await until('containerd to answer on its socket', 30_000, () => {
    if (daemon.exitCode !== null) throw new Error(`containerd exited ${daemon.exitCode}; see ${join(dir, 'containerd.log')}`);
    return world.exec('ctr', ['-a', socket, 'version'], { timeout: 5_000 }).status === 0;
  });
  const ctr = (args: readonly string[]) => world.must('ctr', ['-a', socket, ...args]);
  // The CRI plugin does not pull an image that is present: import the sandbox image offline.
  const pause = dockerArchive(rootfsTar, PAUSE_IMAGE, join(dir, 'pause.tar'), ['/bin/sleep', '2147483647']);
  ctr(['-n', 'k8s.io', 'images', 'import', pause]);
  return {
    dir,
    socket,
    confDir,
    cri,
    ctr,
    close: () => cri.close(),
  };
}
