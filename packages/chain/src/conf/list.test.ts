import { describe, expect, it } from 'vitest';
import { ConfError } from './errors';
import { confListFromBytes } from './list';
import { pluginConfFromBytes } from './plugin';

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);
const list = (s: string) => confListFromBytes(enc(s));

function failure(fn: () => unknown): ConfError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfError);
    return err as ConfError;
  }
  throw new Error('no error');
}

describe('confListFromBytes', () => {
  it('decodes a list as libcni does (libcni conf_test "finds the network config file")', () => {
    const bytes = enc(`{
  "name": "some-network", "cniVersion": "0.2.0", "disableCheck": true,
  "plugins": [
    { "type": "host-local", "subnet": "10.0.0.1/24" },
    { "type": "bridge", "mtu": 1400 },
    { "type": "port-forwarding", "ports": {"20.0.0.1:8080": "80"} }
  ]
}`);
    const l = confListFromBytes(bytes);
    expect(l).toMatchObject({ name: 'some-network', cniVersion: '0.2.0', disableCheck: true, disableGC: false, loadOnlyInlinedPlugins: false });
    expect(l.bytes).toBe(bytes);
    expect(l.plugins.map((p) => dec(p.bytes))).toEqual([
      '{"subnet":"10.0.0.1/24","type":"host-local"}',
      '{"mtu":1400,"type":"bridge"}',
      '{"ports":{"20.0.0.1:8080":"80"},"type":"port-forwarding"}',
    ]);
    expect(l.plugins.map((p) => p.network.type)).toEqual(['host-local', 'bridge', 'port-forwarding']);
  });

  it.each([
    [['1.1.0', '0.4.0', '1.0.0'], undefined, '1.1.0'],
    [['99.0.0', '1.1.0', '0.4.0', '1.0.0'], undefined, '1.1.0'],
    [['0.1.0', '0.4.0'], '1.0.0', '1.0.0'],
    [[], undefined, ''],
    [['99.0.0'], '2.0.0', '2.0.0'],
    [undefined, '1.2.3', '1.2.3'],
  ])('selects the version from cniVersions %j and cniVersion %j', (versions, version, want) => {
    const doc: Record<string, unknown> = { name: 't', plugins: [{ type: 'foo' }] };
    if (versions) doc.cniVersions = versions;
    if (version) doc.cniVersion = version;
    expect(list(JSON.stringify(doc)).cniVersion).toBe(want);
  });

  it('rejects a bad cniVersions entry, naming it', () => {
    const e = failure(() => list('{"name":"t","cniVersions":["1.1.0","0.4.0","1.0.f"],"plugins":[{"type":"foo"}]}'));
    expect(e.message).toMatch(/^error parsing configuration list: invalid cniVersions entry 1\.0\.f at index 2: /);
    expect(e.field).toBe('cniVersions[2]');
    expect(failure(() => list('{"name":"t","cniVersions":"1.0.0"}')).message).toBe(
      'error parsing configuration list: invalid type for cniVersions: []interface {}',
    );
    expect(failure(() => list('{"name":"t","cniVersions":[1]}')).field).toBe('cniVersions[0]');
  });

  it.each([
    ['true', true],
    ['"true"', true],
    ['"TRUE"', true],
    ['"false"', false],
    ['false', false],
  ])('reads disableCheck %s', (raw, want) => {
    expect(list(`{"name":"t","disableCheck":${raw},"disableGC":${raw},"plugins":[{"type":"a"}]}`)).toMatchObject({ disableCheck: want, disableGC: want });
  });

  it('rejects bad booleans with libcni texts', () => {
    const e = failure(() => list('{"name":"t","disableCheck":"Maybe","plugins":[{"type":"a"}]}'));
    expect(e.message).toBe('error parsing configuration list: invalid value "maybe" for disableCheck');
    expect(e.field).toBe('disableCheck');
    expect(failure(() => list('{"name":"t","loadOnlyInlinedPlugins":1,"plugins":[{"type":"a"}]}')).message).toBe(
      'error parsing configuration list: invalid type float64 for loadOnlyInlinedPlugins',
    );
  });

  it('handles the loadOnlyInlinedPlugins matrix', () => {
    expect(list('{"name":"t","loadOnlyInlinedPlugins":true,"plugins":[{"type":"a"}]}').loadOnlyInlinedPlugins).toBe(true);
    expect(failure(() => list('{"name":"t","loadOnlyInlinedPlugins":true}')).message).toBe(
      "error parsing configuration list: `loadOnlyInlinedPlugins` is true, and no 'plugins' key",
    );
    expect(list('{"name":"t"}').plugins).toEqual([]);
  });

  it.each([
    ['{', undefined, 'error parsing configuration list: unexpected end of JSON input'],
    ['[]', undefined, 'error parsing configuration list: json: cannot unmarshal array into Go value of type map[string]interface {}'],
    ['{"plugins":[]}', 'name', 'error parsing configuration list: no name'],
    ['{"name":5}', 'name', 'error parsing configuration list: invalid name type float64'],
    ['{"name":null}', 'name', 'error parsing configuration list: invalid name type <nil>'],
    ['{"name":"t","cniVersion":1}', 'cniVersion', 'error parsing configuration list: invalid cniVersion type float64'],
    ['{"name":"t","plugins":{}}', 'plugins', "error parsing configuration list: invalid 'plugins' type map[string]interface {}"],
    ['{"name":"t","plugins":[]}', 'plugins', 'error parsing configuration list: no plugins in list'],
    ['{"name":"t","plugins":[{"type":"a"},{"mtu":1}]}', 'plugins[1].type', "failed to parse plugin config 1: error parsing configuration: missing 'type'"],
    ['{"name":"t","plugins":[{"type":7}]}', 'plugins[0].type', 'failed to parse plugin config 0: error parsing configuration: json: cannot unmarshal number into Go struct field PluginConf.type of type string'],
    ['{"name":"t","plugins":[{"type":"a","capabilities":{"ips":"yes"}}]}', 'plugins[0].capabilities.ips', 'failed to parse plugin config 0: error parsing configuration: json: cannot unmarshal string into Go struct field PluginConf.capabilities of type bool'],
    ['{"name":"t","plugins":["x"]}', 'plugins[0]', 'failed to parse plugin config 0: error parsing configuration: json: cannot unmarshal string into Go value of type types.PluginConf'],
  ])('rejects %s', (doc, field, msg) => {
    const e = failure(() => list(doc));
    expect(e.message).toEqual(msg);
    expect(e.field).toBe(field);
  });

  it('gives the offset of a JSON syntax error', () => {
    expect(failure(() => list('{"name":"t",\n "plugins": [ } ]}')).offset).toBe(27);
  });

  it('matches plugin fields case-insensitively, as encoding/json', () => {
    expect(list('{"name":"t","plugins":[{"TYPE":"bridge","Capabilities":{"portMappings":true}}]}').plugins[0]!.network).toMatchObject({
      type: 'bridge',
      capabilities: { portMappings: true },
    });
  });
});

describe('pluginConfFromBytes', () => {
  it('keeps the bytes and requires a type', () => {
    const bytes = enc('{ "name": "n", "type": "x" }');
    expect(pluginConfFromBytes(bytes).bytes).toBe(bytes);
    expect(() => pluginConfFromBytes(enc('{"name":"n"}'))).toThrow("error parsing configuration: missing 'type'");
  });
});
