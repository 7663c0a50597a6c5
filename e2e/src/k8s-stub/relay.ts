// Reaching an API server from inside a test namespace. Plugins run with a throwaway netns as
// their own, where 127.0.0.1 is not the test process's loopback and no route leads out (tests
// never touch the root namespace). A relay bridges that gap without any link: a small process
// inside the namespace listens on its 127.0.0.1 and hands each connection over a unix socket
// (filesystem sockets cross network namespaces) to the test process, which connects it to the
// real target (the stub, or a real cluster's API server; TLS passes through untouched).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Relay {
  /** The port on 127.0.0.1 inside the namespace. */
  port: number;
  close(): Promise<void>;
}

const FORWARDER = `
const net = require('node:net');
const sock = process.argv[1];
const s = net.createServer((c) => {
  const u = net.connect(sock);
  c.pipe(u); u.pipe(c);
  c.on('error', () => u.destroy()); u.on('error', () => c.destroy());
  c.on('close', () => u.destroy()); u.on('close', () => c.end());
});
s.listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Relays 127.0.0.1:<port> inside netns `netnsName` to `target` as seen from this process. */
export async function relayIntoNetns(netnsName: string, target: { host: string; port: number }): Promise<Relay> {
  const dir = mkdtempSync(path.join(tmpdir(), 'cnits-relay-'));
  const sock = path.join(dir, 'api.sock');
  const server: Server = createServer((c) => {
    const u = connect(target.port, target.host);
    c.pipe(u);
    u.pipe(c);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    // The client gone: nobody to deliver to. The server done: end(), not destroy(), so what is
    // still buffered for the client (a large answer the server closed after) reaches it first.
    c.on('close', () => u.destroy());
    u.on('close', () => c.end());
  });
  await new Promise<void>((resolve) => server.listen(sock, resolve));
  // A fresh namespace has its loopback down.
  spawnSync('ip', ['-n', netnsName, 'link', 'set', 'lo', 'up']);
  const child: ChildProcess = spawn('ip', ['netns', 'exec', netnsName, process.execPath, '-e', FORWARDER, sock], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(Number(out.trim()));
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`relay exited with ${code}`)));
  });
  return {
    port,
    async close() {
      child.stdin!.end();
      child.kill('SIGKILL');
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
