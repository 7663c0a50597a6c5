import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { generateOnce, startEntrypoint, type EntrypointOptions } from './entrypoint';
import { capabilitiesOf, findPrimary, shimConfig, thinConfig } from './generate';
import { installBinaries } from './install';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(path.join(tmpdir(), 'cnits-thick-ep-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const flannel = { cniVersion: '0.3.1', name: 'cbr0', plugins: [{ type: 'flannel', delegate: { isDefaultGateway: true } }, { type: 'portmap', capabilities: { portMappings: true, bandwidth: false } }] };

describe('primary config detection (fixes of upstream generation bugs)', () => {
  it('skips 00-multus*, Multus configs of any name, unreadable and version-less files', () => {
    const d = tmp();
    writeFileSync(path.join(d, '00-multus.conf'), '{"cniVersion":"0.3.1","name":"m","type":"multus-shim"}');
    writeFileSync(path.join(d, '01-renamed-multus.conf'), '{"cniVersion":"0.3.1","name":"m","type":"multus"}');
    writeFileSync(path.join(d, '02-broken.conflist'), '{"cniVersion":');
    writeFileSync(path.join(d, '03-noversion.conf'), '{"name":"x","type":"bridge"}');
    writeFileSync(path.join(d, '10-flannel.conflist'), JSON.stringify(flannel));
    expect(findPrimary(d)?.file).toBe(path.join(d, '10-flannel.conflist'));
  });

  it('finds nothing (and so writes nothing) in an empty directory', () => {
    expect(findPrimary(tmp())).toBeUndefined();
  });

  it('advertises only capabilities set true', () => {
    expect(capabilitiesOf(flannel)).toEqual({ portMappings: true });
  });

  it('thin: confDir under its real key, the primary as the first delegate; a conflist from 1.0.0', () => {
    const primary = { file: '/x/10-flannel.conflist', conf: flannel };
    const { fileName, conf } = thinConfig(primary, { extra: { kubeconfig: '/k', confDir: '/etc/cni/multus/net.d' } });
    expect(fileName).toBe('00-multus.conf');
    expect(conf).toEqual({ cniVersion: '0.3.1', name: 'multus-cni-network', type: 'multus', capabilities: { portMappings: true }, kubeconfig: '/k', confDir: '/etc/cni/multus/net.d', delegates: [flannel] });
    expect(JSON.stringify(conf)).not.toContain('cniConf"');
    const v1 = thinConfig({ file: 'f', conf: { ...flannel, cniVersion: '1.0.0' } });
    expect(v1.fileName).toBe('00-multus.conflist');
    expect((v1.conf.plugins as { type: string }[])[0]!.type).toBe('multus');
  });

  it('thick: the shim config points at the primary by path; version mismatch is refused', () => {
    const conf = shimConfig({ file: '/host/etc/cni/net.d/10-flannel.conflist', conf: flannel }, { extra: { logLevel: 'verbose' } });
    expect(JSON.stringify(conf)).toBe('{"capabilities":{"portMappings":true},"cniVersion":"0.3.1","name":"multus-cni-network","logLevel":"verbose","clusterNetwork":"/host/etc/cni/net.d/10-flannel.conflist","type":"multus-shim"}');
    expect(() => shimConfig({ file: 'f', conf: flannel }, { cniVersion: '1.0.0' })).toThrow('delegate cni version is 0.3.1 while top level cni version is 1.0.0');
  });
});

function options(over: Partial<EntrypointOptions> = {}): EntrypointOptions {
  const root = tmp();
  const sa = path.join(root, 'sa');
  const conf = path.join(root, 'net.d');
  const bin = path.join(root, 'bin');
  for (const d of [sa, conf, bin]) mkdirSync(d);
  writeFileSync(path.join(sa, 'token'), 'tok-1\n');
  writeFileSync(path.join(sa, 'ca.crt'), 'CA');
  return {
    mode: 'thin', cniBinDir: bin, cniConfDir: conf, autoconfigDir: conf, binaries: [], saDir: sa,
    kubeconfigHostPath: '/etc/cni/net.d/multus.d/multus.kubeconfig', kubeconfigWritePath: path.join(conf, 'multus.d/multus.kubeconfig'),
    env: { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' }, intervalMs: 30, ...over,
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('entrypoint', () => {
  it('writes the kubeconfig 0600 and rewrites it when the token rotates', async () => {
    const o = options();
    const run = startEntrypoint(o);
    try {
      const kc = readFileSync(o.kubeconfigWritePath, 'utf8');
      expect(statSync(o.kubeconfigWritePath).mode & 0o777).toBe(0o600);
      expect(kc).toContain('server: https://[fd00::1]:443');
      expect(kc).toContain(`certificate-authority-data: ${Buffer.from('CA').toString('base64')}`);
      expect(kc).toContain('token: "tok-1"');
      writeFileSync(path.join(o.saDir!, 'token'), 'tok-2\n');
      await sleep(150);
      expect(readFileSync(o.kubeconfigWritePath, 'utf8')).toContain('token: "tok-2"');
    } finally {
      run.stop();
    }
  });

  it('writes 00-multus.conf once a primary appears, follows its changes, never writes an empty file', async () => {
    const o = options({ cleanupOnExit: true });
    const run = startEntrypoint(o);
    try {
      expect(readdirSync(o.cniConfDir).filter((f) => f.startsWith('00-'))).toEqual([]);
      writeFileSync(path.join(o.cniConfDir, '10-flannel.conflist'), JSON.stringify(flannel));
      await sleep(150);
      const file = path.join(o.cniConfDir, '00-multus.conf');
      expect(JSON.parse(readFileSync(file, 'utf8')).delegates[0].name).toBe('cbr0');
      writeFileSync(path.join(o.cniConfDir, '10-flannel.conflist'), JSON.stringify({ ...flannel, name: 'cbr1' }));
      await sleep(150);
      expect(JSON.parse(readFileSync(file, 'utf8')).delegates[0].name).toBe('cbr1');
      writeFileSync(path.join(o.cniConfDir, '10-flannel.conflist'), '{"cniVers');
      await sleep(150);
      expect(JSON.parse(readFileSync(file, 'utf8')).delegates[0].name).toBe('cbr1');
    } finally {
      run.stop();
    }
    expect(existsSync(path.join(o.cniConfDir, '00-multus.conf'))).toBe(false);
  });

  it('thick mode writes the shim config with clusterNetwork in the daemon view', () => {
    const o = options({ mode: 'thick', daemonConfDir: '/host/etc/cni/net.d' });
    writeFileSync(path.join(o.cniConfDir, '10-flannel.conflist'), JSON.stringify(flannel));
    expect(JSON.parse(generateOnce(o)!.text)).toMatchObject({ type: 'multus-shim', clusterNetwork: '/host/etc/cni/net.d/10-flannel.conflist' });
  });

  it('installs binaries by rename, replacing a busy file without touching its inode', () => {
    const o = options();
    const src = path.join(tmp(), 'multus-shim');
    writeFileSync(src, '#!/bin/sh\necho new\n');
    const dest = path.join(o.cniBinDir, 'multus-shim');
    writeFileSync(dest, 'old');
    chmodSync(dest, 0o755);
    const oldIno = statSync(dest).ino;
    installBinaries([src], o.cniBinDir);
    expect(readFileSync(dest, 'utf8')).toContain('echo new');
    expect(statSync(dest).ino).not.toBe(oldIno);
    expect(statSync(dest).mode & 0o777).toBe(0o755);
    expect(readdirSync(o.cniBinDir)).toEqual(['multus-shim']);
    expect(() => installBinaries([path.join(tmp(), 'missing')], o.cniBinDir)).toThrow('does not exist');
  });

  it('--rename-conf-file moves the primary to .old; --skip-config-watch writes once; --force-cni-version; a given --multus-conf-file is copied', async () => {
    const o = options({ renameConfFile: true, skipConfigWatch: true, forceCniVersion: true, cniVersion: '1.0.0' });
    writeFileSync(path.join(o.cniConfDir, '10-flannel.conflist'), JSON.stringify(flannel));
    const run = startEntrypoint(o);
    try {
      const conf = JSON.parse(readFileSync(path.join(o.cniConfDir, '00-multus.conflist'), 'utf8'));
      expect(conf.plugins[0].delegates[0].cniVersion).toBe('1.0.0');
      expect(existsSync(path.join(o.cniConfDir, '10-flannel.conflist.old'))).toBe(true);
      expect(existsSync(path.join(o.cniConfDir, '10-flannel.conflist'))).toBe(false);
      writeFileSync(path.join(o.kubeconfigWritePath, '..', '..', '..', 'sa', 'token'), 'rotated\n');
      await sleep(120);
      expect(readFileSync(o.kubeconfigWritePath, 'utf8')).not.toContain('rotated');
    } finally {
      run.stop();
    }
    const given = path.join(tmp(), '70-mine.conf');
    writeFileSync(given, '{"cniVersion":"0.3.1","name":"mine","type":"multus"}');
    const c = options({ confFile: given });
    startEntrypoint(c).stop();
    expect(readFileSync(path.join(c.cniConfDir, '70-mine.conf'), 'utf8')).toBe('{"cniVersion":"0.3.1","name":"mine","type":"multus"}');
  });
});
