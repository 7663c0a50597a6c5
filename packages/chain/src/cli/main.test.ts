import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { containerIdFor } from './env';
import { main } from './main';

const dir = mkdtempSync(path.join(tmpdir(), 'cnits-chain-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(name: string, content: unknown): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const status = await main(args, env, { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) });
  return { status, stdout, stderr };
}

describe('cni-ts validate', () => {
  it('accepts a good list', async () => {
    const f = put('good.conflist', { cniVersion: '1.0.0', name: 'good', plugins: [{ type: 'static', ipam: { addresses: [{ address: '10.0.0.2/24' }] } }] });
    const r = await cli(['validate', f]);
    expect(r).toMatchObject({ status: 0, stdout: `${f}: ok (network "good", cniVersion "1.0.0", plugins: static)\n` });
  });

  it.each([
    ['bad-json.conflist', '{"cniVersion":"1.0.0","name":"x",\n  "plugins": [{"type":"static"},]}', "line 2, column 33: error parsing configuration list: invalid character ']' looking for beginning of value"],
    ['no-type.conflist', { cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'static' }, { ipam: {} }] }, "plugins[1].type: failed to parse plugin config 1: error parsing configuration: missing 'type'"],
    ['name.conflist', { cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'static', name: 'y' }] }, 'plugins[0].name: "y" does not match the network name "x" (plugins get the list\'s name)'],
    ['version.conflist', { cniVersion: '2.0.0', name: 'x', plugins: [{ type: 'portmap' }] }, 'cniVersion: unsupported CNI version "2.0.0" (known: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)'],
    ['junk-version.conflist', { cniVersions: ['1.0.x'], name: 'x', plugins: [{ type: 'portmap' }] }, 'cniVersions[0]: error parsing configuration list: invalid cniVersions entry 1.0.x at index 0'],
    ['schema.conflist', { cniVersion: '1.0.0', name: 'x', plugins: [{ type: 'static', ipam: { addresses: [{ address: 5 }] } }] }, 'plugins[0].ipam.addresses[0].address: expected string, got number (static schema)'],
    ['bad-name.conflist', { cniVersion: '1.0.0', name: 'a/b', plugins: [{ type: 'portmap' }] }, 'name: invalid characters found in network name; a/b'],
  ])('%s: names the file and the field', async (name, content, text) => {
    const f = put(name, content);
    const r = await cli(['validate', f]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${f}: ${text}`);
  });

  it('checks single .conf files and <name>/ folder plugins', async () => {
    const conf = put('single.conf', { cniVersion: '0.4.0', name: 'single', type: 'static', ipam: { addresses: [{ address: 5 }] } });
    expect((await cli(['validate', conf])).stdout).toContain(`${conf}: plugins[0].ipam.addresses[0].address: expected string, got number (static schema)`);
    const list = put('folder.conflist', { cniVersion: '1.0.0', name: 'folder' });
    const sub = put('folder/10-static.conf', { type: 'static', ipam: { addresses: [{ address: 5 }] } });
    const r = await cli(['validate', list]);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(`${sub}: ipam.addresses[0].address: expected string, got number (static schema)`);
  });
});

describe('cni-ts add/del', () => {
  it('prints usage and fails without arguments, names an unknown command', async () => {
    expect((await cli([])).status).toBe(1);
    expect(await cli(['frob', 'x', 'y'])).toMatchObject({ status: 1, stderr: expect.stringContaining('cni-ts: unknown command "frob"') });
    expect((await cli(['add', 'net'])).stderr).toContain('usage: cni-ts');
    expect((await cli(['--help'])).stdout).toContain('usage: cni-ts');
  });

  it('reports load errors naming the file, and refuses an unknown version before running anything', async () => {
    const netDir = path.join(dir, 'net.d');
    const f = put('net.d/10-v.conflist', { cniVersion: '3.0.0', name: 'v', plugins: [{ type: 'bridge' }] });
    const r = await cli(['add', 'v', '/run/netns/none'], { NETCONFPATH: netDir, CNI_PATH: '/nonexistent' });
    expect(r).toMatchObject({ status: 1, stderr: `${f}: cniVersion: unsupported CNI version "3.0.0" (known: 0.1.0, 0.2.0, 0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)\n` });
    expect((await cli(['del', 'missing', '/run/netns/none'], { NETCONFPATH: netDir })).stderr).toBe(`no net configuration with name "missing" in ${netDir}\n`);
    // As cnitool: the config is loaded first, then CAP_ARGS and CNI_ARGS are parsed.
    put('net.d/20-ok.conflist', { cniVersion: '1.0.0', name: 'ok', plugins: [{ type: 'bridge' }] });
    expect((await cli(['add', 'ok', '/x'], { NETCONFPATH: netDir, CNI_ARGS: 'bad' })).stderr).toBe('invalid CNI_ARGS pair "bad"\n');
    expect((await cli(['add', 'ok', '/x'], { NETCONFPATH: netDir, CAP_ARGS: '[]' })).stderr).toBe('json: cannot unmarshal array into Go value of type map[string]interface {}\n');
  });

  it('runs a list end to end with a plugin from CNI_PATH', async () => {
    const bin = path.join(dir, 'bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, 'fixed'), '#!/bin/sh\ncat > /dev/null; [ "$CNI_COMMAND" = ADD ] && echo \'{"cniVersion":"1.0.0","ips":[{"address":"10.3.0.2/24"}]}\'; exit 0\n', { mode: 0o755 });
    const netDir = path.join(dir, 'net2.d');
    put('net2.d/10-f.conflist', { cniVersion: '1.0.0', name: 'f', plugins: [{ type: 'fixed' }] });
    const env = { NETCONFPATH: netDir, CNI_PATH: bin, CNI_TS_CACHE_DIR: path.join(dir, 'cache') };
    const add = await cli(['add', 'f', '/run/netns/blue'], env);
    expect(add).toEqual({ status: 0, stderr: '', stdout: '{\n    "cniVersion": "1.0.0",\n    "ips": [\n        {\n            "address": "10.3.0.2/24"\n        }\n    ]\n}' });
    expect(await cli(['check', 'f', '/run/netns/blue'], env)).toMatchObject({ status: 0 });
    expect(await cli(['gc', 'f', '--valid', `${containerIdFor('/run/netns/blue')}/eth0`], { ...env, CNI_TS_VERBOSE: '1' })).toMatchObject({ status: 0, stderr: '' });
    expect(await cli(['del', 'f', '/run/netns/blue', '-v'], env)).toMatchObject({ status: 0, stderr: expect.stringMatching(/^cni-ts: DEL fixed exec \(.*\/fixed\) \d+ ms\n$/) });
    expect(await cli(['status', 'f'], env)).toMatchObject({ status: 0 });
  });
});
