import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GobDecoder, type GobValue } from './gob/decoder';
import { RpcClient, RpcServerError, serveRpcConn, type RpcMethod } from './rpc';
import { CMD_ARGS_T, cmdArgsFromGob, cmdArgsToGob, EMPTY_T, RESULT_T, resultFromGob, resultToGob } from './wire';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dhcp-rpc-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function listen(onConn: (s: Socket) => void): Promise<{ path: string; server: Server }> {
  const path = join(dir, `s${n++}.sock`);
  const server = createServer(onConn);
  return new Promise((resolve) => server.listen(path, () => resolve({ path, server })));
}

/** Sends raw bytes to `path` and collects the answer until the server has been quiet for 150 ms. */
function exchange(path: string, bytes: Uint8Array): Promise<GobDecoder> {
  return new Promise((resolve, reject) => {
    const d = new GobDecoder();
    let timer: NodeJS.Timeout | undefined;
    const s = connect(path, () => s.write(bytes));
    s.on('data', (chunk) => {
      d.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => {
        s.destroy();
        resolve(d);
      }, 150);
    });
    s.on('error', reject);
  });
}

const SAMPLE = {
  cniVersion: '1.1.0',
  ips: [{ address: '10.77.0.63/24', gateway: '10.77.0.1' }],
  routes: [
    { dst: '10.99.0.0/16', gw: '10.77.0.1' },
    { dst: '0.0.0.0/0', gw: '10.77.0.1' },
  ],
  dns: {},
};

describe('our daemon fed the oracle plugin bytes', () => {
  it('answers an ADD (DHCP.Allocate) with a Result the Go side can read', async () => {
    const seen: GobValue[] = [];
    const methods = new Map<string, RpcMethod>([
      [
        'DHCP.Allocate',
        async (v) => {
          seen.push(v);
          return { type: RESULT_T, value: resultToGob(SAMPLE) };
        },
      ],
    ]);
    const { path, server } = await listen((s) => serveRpcConn(s, methods));
    const d = await exchange(path, fixture('go112-plugin-add.bin'));
    expect(d.takeLine()).toBe('HTTP/1.0 200 Connected to Go RPC');
    expect(d.takeLine()).toBe('');
    server.close();
    expect(d.next()).toEqual({ typeName: 'Response', value: { ServiceMethod: 'DHCP.Allocate' } });
    expect(resultFromGob(d.next()!.value, '1.1.0')).toEqual(SAMPLE);
    const args = cmdArgsFromGob(seen[0]!);
    expect(args).toMatchObject({ containerId: 'ctr1', netns: '/var/run/netns/x', ifname: 'eth0', path: '/usr/lib/cni', netnsOverride: '' });
    expect(JSON.parse(Buffer.from(args.stdin).toString()).ipam.type).toBe('dhcp');
  });

  it('answers a DEL (DHCP.Release) with an empty struct', async () => {
    let released: GobValue | undefined;
    const methods = new Map<string, RpcMethod>([
      [
        'DHCP.Release',
        async (v) => {
          released = v;
          return { type: EMPTY_T, value: {} };
        },
      ],
    ]);
    const { path, server } = await listen((s) => serveRpcConn(s, methods));
    const d = await exchange(path, fixture('go112-plugin-del.bin'));
    server.close();
    expect(cmdArgsFromGob(released!).containerId).toBe('ctr1');
    expect(d.takeLine()).toBe('HTTP/1.0 200 Connected to Go RPC');
    expect(d.takeLine()).toBe('');
    expect(d.next()?.value).toEqual({ ServiceMethod: 'DHCP.Release' });
    expect(d.next()?.value).toEqual({});
  });

  it('rejects requests that are not CONNECT like Go http.Serve + rpc.HandleHTTP', async () => {
    const { path, server } = await listen((s) => serveRpcConn(s, new Map()));
    const d = await exchange(path, Buffer.from('GET /_goRPC_ HTTP/1.0\r\n\r\n'));
    server.close();
    expect(d.takeLine()).toBe('HTTP/1.0 405 Method Not Allowed');
  });
});

/** A server that answers every connection with the recorded bytes of the Go daemon. */
async function replay(name: string) {
  const bytes = fixture(name);
  return listen((s) => {
    let sent = false;
    s.on('data', () => {
      if (!sent) s.write(bytes);
      sent = true;
    });
  });
}

describe('our plugin reading the oracle daemon bytes', () => {
  it('decodes an Allocate reply into the result the Go plugin printed', async () => {
    const { path, server } = await replay('go112-daemon-allocate-reply.bin');
    const c = await RpcClient.dial(path);
    const reply = await c.call('DHCP.Allocate', CMD_ARGS_T, cmdArgsToGob({ containerId: 'ctr2', netns: '/run/netns/x', ifname: 'eth0', args: '', path: '', netnsOverride: '', stdin: new Uint8Array() }));
    c.close();
    server.close();
    expect(resultFromGob(reply, '1.1.0')).toEqual(SAMPLE);
  });

  it('reports the daemon error text', async () => {
    const { path, server } = await replay('go112-daemon-error-reply.bin');
    const c = await RpcClient.dial(path);
    await expect(c.call('DHCP.Allocate', CMD_ARGS_T, {})).rejects.toThrow(
      new RpcServerError('Can not parse option "bogus": Can not parse option: strconv.ParseUint: parsing "bogus": invalid syntax'),
    );
    c.close();
    server.close();
  });

  it('reads a Release reply (empty struct)', async () => {
    const { path, server } = await replay('go112-daemon-release-reply.bin');
    const c = await RpcClient.dial(path);
    await expect(c.call('DHCP.Release', CMD_ARGS_T, {})).resolves.toEqual({});
    c.close();
    server.close();
  });

  it('gives Go texts for a missing socket and a bad handshake', async () => {
    await expect(RpcClient.dial(join(dir, 'absent.sock'))).rejects.toThrow(`dial unix ${join(dir, 'absent.sock')}: connect: no such file or directory`);
    const { path, server } = await listen((s) => s.end('HTTP/1.0 404 Not Found\n\n'));
    await expect(RpcClient.dial(path)).rejects.toThrow('unexpected HTTP response: 404 Not Found');
    server.close();
  });
});

describe('our client against our server', () => {
  it('round-trips a result, errors and unknown methods', async () => {
    const methods = new Map<string, RpcMethod>([
      ['DHCP.Allocate', async () => ({ type: RESULT_T, value: resultToGob({ ...SAMPLE, routes: [{ dst: '10.0.0.0/8', gw: '0.0.0.0', scope: 253, priority: 5 }] }) })],
      [
        'DHCP.Release',
        async () => {
          throw new Error('boom');
        },
      ],
    ]);
    const { path, server } = await listen((s) => serveRpcConn(s, methods));
    const c = await RpcClient.dial(path);
    const r = resultFromGob(await c.call('DHCP.Allocate', CMD_ARGS_T, {}), '1.1.0');
    expect(r.routes).toEqual([{ dst: '10.0.0.0/8', gw: '0.0.0.0', scope: 253, priority: 5 }]);
    await expect(c.call('DHCP.Release', CMD_ARGS_T, {})).rejects.toThrow('boom');
    await expect(c.call('DHCP.Nope', CMD_ARGS_T, {})).rejects.toThrow("rpc: can't find method DHCP.Nope");
    await expect(c.call('Other.Nope', CMD_ARGS_T, {})).rejects.toThrow("rpc: can't find service Other.Nope");
    c.close();
    server.close();
  });
});

describe('untrusted input', () => {
  it('a client that sends more than 4 MiB without a whole request is cut off', async () => {
    const { path, server } = await listen((s) => serveRpcConn(s, new Map()));
    const closed = await new Promise<boolean>((resolve) => {
      const s = connect(path, () => {
        s.write('CONNECT /_goRPC_ HTTP/1.0\n\n');
        // a gob message header announcing ~1 GB, then filler
        s.write(Uint8Array.from([0xfc, 0x3f, 0xff, 0xff, 0xff]));
        const chunk = Buffer.alloc(1 << 20);
        for (let i = 0; i < 6; i++) s.write(chunk);
      });
      s.on('close', () => resolve(true));
      s.on('error', () => {});
      s.resume();
    });
    server.close();
    expect(closed).toBe(true);
  });
});
