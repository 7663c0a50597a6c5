// The daemon's listening directory: removed and re-created at start (upstream does the same, so
// a stale socket of a killed daemon never blocks a restart), root-only.
import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { SOCKET_NAME } from './api';

export function socketPath(dir: string): string {
  return path.join(dir, SOCKET_NAME);
}

/** RemoveAll + MkdirAll(0700); the directory mode is forced whatever the umask. */
export function prepareSocketDir(dir: string): string {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  return socketPath(dir);
}
