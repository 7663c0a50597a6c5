import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigFileError, NoConfigsFoundError, NotFoundError } from './errors';
import { confFiles } from './files';
import { confListFromConf, confListFromFile, loadConfDir, loadConfList } from './load';
import { pluginConfFromBytes } from './plugin';

const dec = (b: Uint8Array) => new TextDecoder().decode(b);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'cnits-chain-conf-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, content: unknown): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('no error');
}

describe('confFiles', () => {
  it('lists matching files sorted by name, skipping directories; a missing directory is empty', () => {
    put('b.conf', '{}');
    put('a.conflist', '{}');
    put('c.json', '{}');
    put('d.CONF', '{}');
    mkdirSync(path.join(dir, 'e.conf'));
    expect(confFiles(dir, ['.conf', '.json']).map((f) => path.basename(f))).toEqual(['b.conf', 'c.json']);
    expect(confFiles(path.join(dir, 'nope'), ['.conf'])).toEqual([]);
  });
});

describe('loadConfList', () => {
  it('prefers a .conflist, in name order, over .conf files of the same name', () => {
    put('10-a.conf', { name: 'net', cniVersion: '0.3.1', type: 'bridge' });
    put('20-b.conflist', { name: 'net', cniVersion: '1.0.0', plugins: [{ type: 'second' }] });
    put('15-c.conflist', { name: 'net', cniVersion: '1.0.0', plugins: [{ type: 'first' }] });
    const l = loadConfList(dir, 'net');
    expect(l.plugins[0]!.network.type).toBe('first');
    expect(l.path).toBe(path.join(dir, '15-c.conflist'));
  });

  it('falls back to a single .conf/.json, upconverted to a list with Go map bytes', () => {
    put('10-a.conflist', { name: 'other', plugins: [{ type: 'x' }] });
    put('20-b.json', '{"type":"bridge","name":"net","cniVersion":"0.3.1","mtu":1400}');
    const l = loadConfList(dir, 'net');
    expect(dec(l.bytes)).toBe('{"cniVersion":"0.3.1","name":"net","plugins":[{"cniVersion":"0.3.1","mtu":1400,"name":"net","type":"bridge"}]}');
    expect(l).toMatchObject({ name: 'net', cniVersion: '0.3.1', disableCheck: false, path: path.join(dir, '20-b.json') });
    expect(dec(l.plugins[0]!.bytes)).toBe('{"cniVersion":"0.3.1","mtu":1400,"name":"net","type":"bridge"}');
  });

  it('appends plugins from the <name>/ folder unless loadOnlyInlinedPlugins', () => {
    put('10-net.conflist', { name: 'net', cniVersion: '1.1.0', plugins: [{ type: 'inline' }] });
    put('net/20-b.conf', '{"type":"second" }');
    put('net/10-a.conf', '{"type":"first"}');
    put('net/30-c.json', '{"type":"ignored"}');
    const l = loadConfList(dir, 'net');
    expect(l.plugins.map((p) => p.network.type)).toEqual(['inline', 'first', 'second']);
    expect(dec(l.plugins[2]!.bytes)).toBe('{"type":"second" }');
    expect(l.plugins[1]!.path).toBe(path.join(dir, 'net/10-a.conf'));
    put('10-net.conflist', { name: 'net', cniVersion: '1.1.0', loadOnlyInlinedPlugins: true, plugins: [{ type: 'inline' }] });
    expect(loadConfList(dir, 'net').plugins.map((p) => p.network.type)).toEqual(['inline']);
  });

  it('loads a list whose plugins are all in the folder, and fails when there are none', () => {
    put('10-net.conflist', { name: 'net', cniVersion: '1.1.0' });
    expect(() => loadConfList(dir, 'net')).toThrow(`${path.join(dir, '10-net.conflist')}: no plugin configs found`);
    put('net/a.conf', '{"type":"only"}');
    expect(loadConfList(dir, 'net').plugins.map((p) => p.network.type)).toEqual(['only']);
  });

  it('reports a malformed file by path, line and column, and it aborts the lookup as in libcni', () => {
    put('10-bad.conflist', '{\n  "name": "bad",\n  "plugins": [ {"type": "x"}, ]\n}');
    put('20-good.conflist', { name: 'good', plugins: [{ type: 'x' }] });
    const e = thrown(() => loadConfList(dir, 'good'));
    expect(e).toBeInstanceOf(ConfigFileError);
    expect(e.message).toBe(
      `${path.join(dir, '10-bad.conflist')}: line 3, column 31: error parsing configuration list: invalid character ']' looking for beginning of value`,
    );
  });

  it('names the file and field of a plugin without type, also in the <name>/ folder', () => {
    put('10-a.conflist', { name: 'a', plugins: [{ type: 'x' }, { mtu: 1 }] });
    const e = thrown(() => loadConfList(dir, 'a')) as ConfigFileError;
    expect(e.message).toBe(`${path.join(dir, '10-a.conflist')}: plugins[1].type: failed to parse plugin config 1: error parsing configuration: missing 'type'`);
    expect(e).toMatchObject({ file: path.join(dir, '10-a.conflist'), field: 'plugins[1].type' });
    put('10-a.conflist', { name: 'a', plugins: [{ type: 'x' }] });
    put('a/1.conf', '{"name":"a"}');
    expect(thrown(() => loadConfList(dir, 'a')).message).toBe(`${path.join(dir, 'a/1.conf')}: type: error parsing configuration: missing 'type'`);
  });

  it('gives libcni errors for missing networks and directories', () => {
    expect(thrown(() => loadConfList(path.join(dir, 'none'), 'x'))).toBeInstanceOf(NoConfigsFoundError);
    expect(thrown(() => loadConfList(path.join(dir, 'none'), 'x')).message).toBe(`no net configurations found in ${path.join(dir, 'none')}`);
    put('10-a.conflist', { name: 'a', plugins: [{ type: 'x' }] });
    expect(thrown(() => loadConfList(dir, 'x'))).toBeInstanceOf(NotFoundError);
    expect(thrown(() => loadConfList(dir, 'x')).message).toBe(`no net configuration with name "x" in ${dir}`);
    put('b.conf', { name: 'b', type: 'x' });
    expect(thrown(() => loadConfList(dir, 'x')).message).toBe(`no net configuration with name "x" in ${dir}`);
  });

  it('names an unreadable file as Go does', () => {
    const f = path.join(dir, 'gone.conflist');
    expect(() => confListFromFile(f)).toThrow(`error reading ${f}: open ${f}: no such file or directory`);
  });
});

describe('loadConfDir', () => {
  it('loads every network in containerd order and reports bad files without stopping', () => {
    put('10-b.conf', { name: 'b', cniVersion: '1.0.0', type: 'x' });
    put('20-bad.conflist', '{"name":');
    put('30-a.conflist', { name: 'a', cniVersion: '1.0.0', plugins: [{ type: 'y' }] });
    const { networks, errors } = loadConfDir(dir);
    expect(networks.map((n) => n.name)).toEqual(['b', 'a']);
    expect(errors.map((e) => e.file)).toEqual([path.join(dir, '20-bad.conflist')]);
  });
});

describe('confListFromConf', () => {
  it('upconverts (libcni conf_test)', () => {
    const conf = pluginConfFromBytes(new TextEncoder().encode('{"name":"some-plugin","cniVersion":"0.3.1", "type":"foobar"}'));
    const l = confListFromConf(conf);
    expect(l).toMatchObject({ name: 'some-plugin', cniVersion: '0.3.1' });
    expect(l.plugins[0]!.network).toMatchObject({ name: 'some-plugin', type: 'foobar', cniVersion: '0.3.1' });
  });
});
