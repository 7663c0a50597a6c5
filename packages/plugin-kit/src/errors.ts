// Go prints wrapped netlink and syscall errors as the bare errno text ("file exists"); our
// netlink errors carry more context (operation, object, extended ACK) in their message. Plugins that reproduce upstream texts
// ("failed to create macvlan: file exists") use errText() for the inner part.
import { errnoMessage, LinkNotFoundError, NetnsNotExistError, SyscallError } from '@cni-ts/netlink';

/** The text Go would print for `err` inside a wrapping message. */
export function errText(err: unknown): string {
  // Both carry Go's own text (`Link not found`, `failed to Statfs "<path>": no such file or directory`).
  if (err instanceof LinkNotFoundError || err instanceof NetnsNotExistError) return err.message;
  // vishvananda/netlink appends the kernel's extended ACK text only when asked
  // (EnableErrorMessageReporting), which the plugins never do: the bare errno text it is.
  if (err instanceof SyscallError) return err.strerror;
  if (err instanceof Error) return err.message;
  return String(err);
}

/** A plain Error whose message is `${context}: ${errText(cause)}`, keeping the cause. */
export function wrapErr(context: string, cause: unknown): Error {
  return new Error(`${context}: ${errText(cause)}`, { cause });
}

/** Go's %q of a string (the subset our messages need: printable text, escapes for " and \\). */
export function goQ(s: string): string {
  return JSON.stringify(s);
}

/** Go's *PathError text of a failed file operation: `open /etc/x.conf: no such file or directory`. */
export function pathErrorText(op: string, path: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException & { strerror?: string };
  const text = e.strerror ?? (typeof e.errno === 'number' ? errnoMessage(Math.abs(e.errno)) : (e.message ?? String(err)));
  return `${op} ${path}: ${text}`;
}

/** An Error with Go's *PathError text (see pathErrorText), keeping the cause. */
export function pathError(op: string, path: string, err: unknown): Error {
  return new Error(pathErrorText(op, path, err), { cause: err });
}
