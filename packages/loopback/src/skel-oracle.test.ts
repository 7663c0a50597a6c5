// Differential test of the skeleton paths (no kernel state involved): the Go oracle's loopback
// (/usr/lib/cni, plugins 1.1.1 built on CNI library 1.1.2) against ours, run as processes.
// Where the reference docs say the newest library (CNI 1.3.0) differs from the oracle's 1.1.2,
// ours follows the newest and the case says why (see KNOWN_DIFFERENCES).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CNI_TS_VERSION } from '@cni-ts/cni';
import { runPlugin, sourceCommand, type ProcResult } from '@cni-ts/testkit';

const ORACLE = '/usr/lib/cni/loopback';
const ours = sourceCommand(fileURLToPath(new URL('./main.ts', import.meta.url)));
const oracle: [string, string[]] = [ORACLE, []];

const FULL = { CNI_CONTAINERID: 'c1', CNI_NETNS: '/var/run/netns/cnits-none-such', CNI_IFNAME: 'eth9', CNI_PATH: '/opt/cni/bin' };
const conf = (extra: Record<string, unknown> = {}) => JSON.stringify({ cniVersion: '1.0.0', name: 'lo', type: 'loopback', ...extra });

interface Outcome {
  status: number;
  code?: number;
  msg?: string;
  details?: string;
}

function outcome(r: ProcResult): Outcome {
  if (r.status === 0) return { status: 0 };
  const e = JSON.parse(r.stdout) as { code: number; msg: string; details?: string };
  return { status: r.status, code: e.code, msg: e.msg, ...(e.details !== undefined && { details: e.details }) };
}

function both(env: Record<string, string>, stdin = ''): { ours: Outcome; go: Outcome } {
  return { ours: outcome(runPlugin(ours, env, stdin)), go: outcome(runPlugin(oracle, env, stdin)) };
}

const SAME: [string, Record<string, string>, string][] = [
  ['ADD without any variable', { CNI_COMMAND: 'ADD' }, ''],
  ['DEL without any variable', { CNI_COMMAND: 'DEL' }, ''],
  ['CHECK without any variable', { CNI_COMMAND: 'CHECK' }, ''],
  ['ADD without CNI_PATH', { ...FULL, CNI_COMMAND: 'ADD', CNI_PATH: '' }, conf()],
  ['DEL without CNI_NETNS (allowed) nor CNI_PATH', { ...FULL, CNI_COMMAND: 'DEL', CNI_NETNS: '', CNI_PATH: '' }, conf()],
  ['bad container id', { ...FULL, CNI_COMMAND: 'ADD', CNI_CONTAINERID: 'a b' }, conf()],
  ['ifname too long', { ...FULL, CNI_COMMAND: 'ADD', CNI_IFNAME: 'abcdefghijklmnopq' }, conf()],
  ['ifname with a slash', { ...FULL, CNI_COMMAND: 'DEL', CNI_IFNAME: 'eth0/1' }, conf()],
  ['ifname dot', { ...FULL, CNI_COMMAND: 'CHECK', CNI_IFNAME: '.' }, conf()],
  ['empty stdin', { ...FULL, CNI_COMMAND: 'ADD' }, ''],
  ['truncated JSON', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":"x"'],
  ['trailing comma', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":"x",}'],
  ['bad literal at EOF', { ...FULL, CNI_COMMAND: 'DEL' }, 'tru'],
  ['garbage after value', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":"x"} x'],
  ['non-object config', { ...FULL, CNI_COMMAND: 'ADD' }, '[1]'],
  ['null config', { ...FULL, CNI_COMMAND: 'ADD' }, 'null'],
  ['no name', { ...FULL, CNI_COMMAND: 'ADD' }, '{"cniVersion":"1.0.0"}'],
  ['name of the wrong type', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":5}'],
  ['bad name', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":"x y"}'],
  ['name matched case-insensitively, last wins', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":"ok","NAME":"x/y"}'],
  ['cniVersion of the wrong type', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":"n","cniVersion":1}'],
  ['CHECK below 0.4.0', { ...FULL, CNI_COMMAND: 'CHECK' }, conf({ cniVersion: '0.3.1' })],
  ['CHECK with no cniVersion', { ...FULL, CNI_COMMAND: 'CHECK' }, '{"name":"n"}'],
  ['CHECK with an unparseable version', { ...FULL, CNI_COMMAND: 'CHECK' }, conf({ cniVersion: 'x.0.0' })],
  ['unknown command', { ...FULL, CNI_COMMAND: 'FOO' }, conf()],
  ['lower-case command', { ...FULL, CNI_COMMAND: 'add' }, conf()],
  ['unknown command with empty stdin', { ...FULL, CNI_COMMAND: 'FOO' }, ''],
  ['ADD with a missing netns', { ...FULL, CNI_COMMAND: 'ADD' }, conf()],
  ['ADD at 0.1.0 (no cniVersion) with a missing netns', { ...FULL, CNI_COMMAND: 'ADD' }, '{"name":"n"}'],
  ['CHECK with a missing netns', { ...FULL, CNI_COMMAND: 'CHECK' }, conf()],
  ['DEL with a missing netns', { ...FULL, CNI_COMMAND: 'DEL' }, conf()],
  ['DEL with no netns', { ...FULL, CNI_COMMAND: 'DEL', CNI_NETNS: '' }, conf()],
  ['CNI_ARGS are ignored by loopback', { ...FULL, CNI_COMMAND: 'ADD', CNI_ARGS: 'FOO=bar;x' }, conf()],
];

describe('loopback skeleton vs the Go oracle', () => {
  // A missing oracle fails here, loudly: a differential test that cannot run is a failure, not a skip.
  it('the Go oracle is installed', () => expect(existsSync(ORACLE), ORACLE).toBe(true));

  it.each(SAME)('%s: same status, code, msg and details', (_name, env, stdin) => {
    const { ours: a, go: b } = both(env, stdin);
    expect(a).toEqual(b);
  });

  // KNOWN_DIFFERENCES: the oracle's CNI library is 1.1.2; the reference (cni-spec.md §1.3,
  // plugins-main.md §0.4) describes the newest, 1.3.0, which ours follows.
  it('VERSION: newest adds 1.1.0 and reports cniVersion 1.1.0', () => {
    const a = runPlugin(ours, { CNI_COMMAND: 'VERSION' });
    const b = runPlugin(oracle, { CNI_COMMAND: 'VERSION' });
    expect([a.status, b.status]).toEqual([0, 0]);
    expect(b.stdout).toBe('{"cniVersion":"1.0.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0"]}\n');
    expect(a.stdout).toBe('{"cniVersion":"1.1.0","supportedVersions":["0.1.0","0.2.0","0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}\n');
  });

  it('no CNI_COMMAND: the about text on stderr, exit 0 (the version line of the build differs)', () => {
    const a = runPlugin(ours, {});
    const b = runPlugin(oracle, {});
    expect([a.status, a.stdout, b.status, b.stdout]).toEqual([0, '', 0, '']);
    expect(b.stderr).toBe('CNI loopback plugin version unknown\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0\n');
    expect(a.stderr).toBe(`CNI loopback plugin cni-ts ${CNI_TS_VERSION}\nCNI protocol versions supported: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0\n`);
  });

  it('an incompatible version: same code and msg, details list 1.1.0 too', () => {
    const { ours: a, go: b } = both({ ...FULL, CNI_COMMAND: 'ADD' }, conf({ cniVersion: '9.9.9' }));
    expect({ ...a, details: undefined }).toEqual({ ...b, details: undefined });
    expect(a.details).toBe('config is "9.9.9", plugin supports ["0.1.0" "0.2.0" "0.3.0" "0.3.1" "0.4.0" "1.0.0" "1.1.0"]');
  });

  it('cniVersion 1.1.0: supported by the newest only', () => {
    const { ours: a, go: b } = both({ ...FULL, CNI_COMMAND: 'ADD' }, conf({ cniVersion: '1.1.0' }));
    expect(b).toMatchObject({ code: 1, msg: 'incompatible CNI versions' });
    expect(a).toEqual({ status: 1, code: 999, msg: `failed to Statfs "${FULL.CNI_NETNS}": no such file or directory` });
  });

  it('a bad container id beats missing variables in the newest (validated during the walk)', () => {
    const { ours: a, go: b } = both({ CNI_COMMAND: 'ADD', CNI_CONTAINERID: '-x' }, conf());
    expect(b).toMatchObject({ code: 4, msg: 'required env variables [CNI_NETNS,CNI_IFNAME,CNI_PATH] missing' });
    expect(a).toEqual({ status: 1, code: 4, msg: 'invalid characters in containerID', details: '-x' });
  });

  it('GC and STATUS: unknown to the oracle, gated at 1.1.0 and no-ops for loopback in the newest', () => {
    // One process per case and side: each of ours is a Node start, slow on a loaded machine.
    for (const cmd of ['GC', 'STATUS']) {
      const env = { ...FULL, CNI_COMMAND: cmd };
      const at100 = both(env, conf());
      expect(at100.go).toMatchObject({ code: 4, msg: `unknown CNI_COMMAND: ${cmd}` });
      expect(at100.ours).toMatchObject({ code: 1, msg: `config version does not allow ${cmd}` });
      expect(outcome(runPlugin(ours, env, conf({ cniVersion: '1.1.0' })))).toEqual({ status: 0 });
    }
    // Without a container id the oracle (which validates it for every command) says code 3.
    expect(both({ CNI_COMMAND: 'GC', CNI_PATH: '/x' }, conf({ cniVersion: '1.1.0' }))).toEqual({
      ours: { status: 0 },
      go: { status: 1, code: 3, msg: 'missing containerID' },
    });
  }, 60_000);

  it('a config field of the wrong type: same code and text (newest names the struct PluginConf), plus the field in details', () => {
    const { ours: a, go: b } = both({ ...FULL, CNI_COMMAND: 'ADD' }, conf({ type: 5 }));
    expect(b).toEqual({ status: 1, code: 999, msg: 'failed to parse network config: json: cannot unmarshal number into Go struct field NetConf.type of type string' });
    expect(a).toEqual({
      status: 1,
      code: 999,
      msg: 'failed to parse network config: json: cannot unmarshal number into Go struct field PluginConf.type of type string',
      details: 'type',
    });
  });

  it('a prevResult of another family: same code, the family list names 1.1.0 too', () => {
    const { ours: a, go: b } = both({ ...FULL, CNI_COMMAND: 'ADD' }, conf({ prevResult: { cniVersion: '0.4.0' } }));
    expect(b).toEqual({ status: 1, code: 999, msg: 'failed to parse prevResult: could not parse prevResult: result type supports [1.0.0] but unmarshalled CNIVersion is "0.4.0"' });
    expect(a).toEqual({ status: 1, code: 999, msg: 'failed to parse prevResult: could not parse prevResult: result type supports [1.0.0 1.1.0] but unmarshalled CNIVersion is "0.4.0"' });
  });
});
