import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ENTRYPOINT_FLAGS, entrypointOptions } from './entrypoint/flags';
import { flagValues, parseFlags, type FlagSpecs } from './flags';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-flags-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAEMON: FlagSpecs = { config: { type: 'string', help: '', default: '/d.json' }, version: { type: 'bool', help: '' } };

describe("the daemon's flags (Go's flag package)", () => {
  it('-x, --x, -x=v, -x v; bools only with =; parsing stops at the first non-flag', () => {
    for (const argv of [['-config', '/a'], ['--config', '/a'], ['-config=/a'], ['--config=/a']]) expect(flagValues(parseFlags(argv, DAEMON, 'go'), DAEMON).one('config')).toBe('/a');
    expect(flagValues(parseFlags([], DAEMON, 'go'), DAEMON).one('config')).toBe('/d.json');
    expect(flagValues(parseFlags(['-version'], DAEMON, 'go'), DAEMON).bool('version')).toBe(true);
    expect(flagValues(parseFlags(['-version=false'], DAEMON, 'go'), DAEMON).bool('version')).toBe(false);
    expect(parseFlags(['-version', 'x', '-config', '/a'], DAEMON, 'go').rest).toEqual(['x', '-config', '/a']);
  });

  it('an unknown flag, a missing value, a bad bool: errors with Go\'s texts; -h asks for help', () => {
    expect(() => parseFlags(['-nope'], DAEMON, 'go')).toThrow('flag provided but not defined: -nope');
    expect(() => parseFlags(['-config'], DAEMON, 'go')).toThrow('flag needs an argument: -config');
    expect(() => parseFlags(['-version=maybe'], DAEMON, 'go')).toThrow('invalid boolean value "maybe" for -version');
    expect(() => parseFlags(['-h'], DAEMON, 'go')).toThrow(expect.objectContaining({ help: true }));
  });
});

describe("the entrypoint's flags (pflag, upstream thin_entrypoint's set)", () => {
  const conf = path.join(dir, 'net.d');
  const bin = path.join(dir, 'bin');
  mkdirSync(conf);
  mkdirSync(bin);
  const multus = path.join(dir, 'multus');
  writeFileSync(multus, '');
  const base = [`--cni-conf-dir=${conf}`, `--cni-bin-dir=${bin}`, `--multus-bin-file=${multus}`];

  it('every upstream flag is known', () => {
    for (const f of ['cni-bin-dir', 'cni-conf-dir', 'cni-version', 'multus-conf-file', 'multus-bin-file', 'multus-cni-conf-dir', 'skip-multus-binary-copy', 'multus-kubeconfig-file-host', 'multus-master-cni-file-name', 'namespace-isolation', 'global-namespaces', 'multus-autoconfig-dir', 'multus-log-to-stderr', 'multus-log-level', 'multus-log-file', 'override-network-name', 'cleanup-config-on-exit', 'skip-config-watch', 'rename-conf-file', 'readiness-indicator-file', 'additional-bin-dir', 'skip-tls-verify', 'force-cni-version']) {
      expect(ENTRYPOINT_FLAGS[f], f).toBeDefined();
    }
  });

  it('thin mode copies --multus-bin-file unless --skip-multus-binary-copy; config keys from the flags', () => {
    const o = entrypointOptions(
      [...base, '--namespace-isolation', '--global-namespaces=a,b', '--multus-log-to-stderr=false', '--multus-log-level=Debug', '--multus-log-file=/var/log/m.log', '--additional-bin-dir=/opt/x', '--readiness-indicator-file=/r', '--rename-conf-file', '--skip-config-watch', '--force-cni-version', '--cni-version=1.0.0', '--install=/extra'],
      {},
    );
    expect(o.binaries).toEqual([multus, '/extra']);
    expect(o.extra).toEqual({ namespaceIsolation: true, globalNamespaces: 'a,b', logToStderr: false, logLevel: 'debug', logFile: '/var/log/m.log', binDir: '/opt/x', readinessindicatorfile: '/r' });
    expect(o).toMatchObject({ renameConfFile: true, skipConfigWatch: true, forceCniVersion: true, cniVersion: '1.0.0', autoconfigDir: conf });
    expect(entrypointOptions([...base, '--skip-multus-binary-copy'], {}).binaries).toEqual([]);
    expect(entrypointOptions([...base, '--mode=thick'], {}).binaries).toEqual([]);
  });

  it('--multus-conf-file other than auto is copied as it is; it must exist', () => {
    const file = path.join(dir, '70-multus.conf');
    writeFileSync(file, '{}');
    expect(entrypointOptions([...base, `--multus-conf-file=${file}`], {}).confFile).toBe(file);
    expect(() => entrypointOptions([...base, '--multus-conf-file=/nope'], {})).toThrow('multus-conf-file is not found: /nope');
  });

  it('unknown flags, stray arguments, bad levels and missing directories are errors', () => {
    expect(() => entrypointOptions([...base, '--bogus'], {})).toThrow('unknown flag: --bogus');
    expect(() => entrypointOptions([...base, '--namespace-isolation', 'true'], {})).toThrow('unexpected argument "true"');
    expect(() => entrypointOptions([...base, '-x'], {})).toThrow("unknown shorthand flag: 'x' in -x");
    expect(() => entrypointOptions([...base, '--multus-log-level=loud'], {})).toThrow('Log levels should be one of: debug/verbose/error/panic, did not understand: "loud"');
    expect(() => entrypointOptions(['--cni-conf-dir=/nope'], {})).toThrow('cni-conf-dir is not found: /nope');
    expect(() => entrypointOptions([`--cni-conf-dir=${conf}`, `--cni-bin-dir=${bin}`], {})).toThrow('multus-bin-file is not found: /usr/src/multus-cni/bin/multus');
  });
});
