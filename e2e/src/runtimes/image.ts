// Offline images: a root filesystem with Debian's static busybox (busybox-static) and its applet
// links, as a plain tar (podman import) or a one-layer docker-archive (ctr images import).
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from './_exec.ts';

const BUSYBOX = '/bin/busybox';

/** Writes a busybox root filesystem tar to `out`. */
export function busyboxRootfs(out: string): string {
  const d = mkdtempSync(`${out}.d-`);
  try {
    for (const sub of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'run', 'var']) mkdirSync(join(d, sub), { recursive: true });
    chmodSync(join(d, 'tmp'), 0o1777);
    copyFileSync(BUSYBOX, join(d, 'bin/busybox'));
    chmodSync(join(d, 'bin/busybox'), 0o755);
    for (const applet of must(BUSYBOX, ['--list']).split('\n')) {
      if (applet && applet !== 'busybox') symlinkSync('busybox', join(d, 'bin', applet));
    }
    writeFileSync(join(d, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
    writeFileSync(join(d, 'etc/group'), 'root:x:0:\n');
    must('tar', ['-C', d, '--numeric-owner', '--owner=0', '--group=0', '-cf', out, '.']);
    return out;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}

const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Wraps a rootfs tar into a docker-archive (`docker save` layout) named `image`. */
export function dockerArchive(rootfsTar: string, image: string, out: string, cmd: string[] = ['sh']): string {
  const d = mkdtempSync(`${out}.d-`);
  try {
    const layer = readFileSync(rootfsTar);
    const diff = sha256(layer);
    mkdirSync(join(d, diff));
    writeFileSync(join(d, diff, 'layer.tar'), layer);
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      created: '2024-01-01T00:00:00Z',
      config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: cmd, WorkingDir: '/' },
      rootfs: { type: 'layers', diff_ids: [`sha256:${diff}`] },
      history: [{ created: '2024-01-01T00:00:00Z', created_by: 'cni-ts runtime suite' }],
    });
    const cfg = sha256(config);
    writeFileSync(join(d, `${cfg}.json`), config);
    writeFileSync(join(d, 'manifest.json'), JSON.stringify([{ Config: `${cfg}.json`, RepoTags: [image], Layers: [`${diff}/layer.tar`] }]));
    must('tar', ['-C', d, '-cf', out, 'manifest.json', `${cfg}.json`, diff]);
    return out;
  } finally {
    rmSync(d, { recursive: true, force: true });
  }
}
