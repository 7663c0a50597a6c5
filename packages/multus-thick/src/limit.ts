// connectionLimit as Go's netutil.LimitListener: at most `limit` connections are served at
// once; the next ones wait, in arrival order, until one closes (upstream leaves them in the
// kernel's listen backlog; here they are accepted paused, nothing read from them, and handed
// to the HTTP server when a slot frees). Node's own server.maxConnections closes them instead,
// which the shim reports as a failed CNI call. The wait is bounded like a backlog: past
// `backlog` waiting connections, a new one is closed.
import type { Server as HttpServer } from 'node:http';
import type { Server, Socket } from 'node:net';

const { createServer } = process.getBuiltinModule('node:net');

export const DEFAULT_BACKLOG = 511;

export interface LimitedListener {
  /** The listening server (listen on it; close it to stop accepting). */
  listener: Server;
  /** Connections being served, and waiting. */
  readonly active: number;
  readonly waiting: number;
}

/** A listener handing at most `limit` connections at a time to `http` (Infinity: all of them). */
export function limitListener(http: HttpServer, limit: number, backlog = DEFAULT_BACKLOG): LimitedListener {
  const queue: Socket[] = [];
  let active = 0;
  const admit = (sock: Socket) => {
    active++;
    sock.once('close', () => {
      active--;
      for (let next = queue.shift(); next; next = queue.shift()) {
        if (next.destroyed) continue;
        admit(next);
        break;
      }
    });
    http.emit('connection', sock);
    sock.resume();
  };
  const listener = createServer({ pauseOnConnect: true }, (sock) => {
    if (active < limit) return admit(sock);
    if (queue.length >= backlog) return void sock.destroy();
    queue.push(sock);
    // A client that gives up while waiting leaves the queue.
    sock.once('close', () => {
      const i = queue.indexOf(sock);
      if (i >= 0) queue.splice(i, 1);
    });
  });
  listener.on('close', () => {
    for (const s of queue.splice(0)) s.destroy();
  });
  return {
    listener,
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
