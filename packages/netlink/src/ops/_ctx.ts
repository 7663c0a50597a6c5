import type { NetlinkSocket } from '../socket';

/** What an operation needs from a handle: its socket, and a way to run code inside its namespace. */
export interface OpsContext {
  readonly sock: NetlinkSocket;
  /** Runs fn in the handle's namespace (switching only if the handle belongs to another one). */
  inNetns<T>(fn: () => T): T;
}
