// The daemon's listening socket. Only the socket file is replaced at start (a stale one of a
// killed daemon must not block a restart); the directory is created 0700 when missing and is
// otherwise left alone: upstream removes it recursively, so a mistyped socketDir (`/run`,
// `/etc/cni`) would be wiped.
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { SOCKET_NAME } from './api';

export function socketPath(dir: string): string {
  return path.join(dir, SOCKET_NAME);
}

/** MkdirAll(0700) and the removal of an old socket; anything else at the socket's path is refused. */
export function prepareSocket(dir: string): string {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700); // whatever the umask
  }
  const socket = socketPath(dir);
  let st;
  try {
    st = lstatSync(socket);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return socket;
    throw err;
  }
  if (!st.isSocket()) throw new Error(`refusing to replace ${socket}: it is not a socket`);
  unlinkSync(socket);
  return socket;
}
