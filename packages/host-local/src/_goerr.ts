/**
 * Go's *PathError text for a failed file operation: `open /etc/x.conf: no such file or
 * directory`, so errors read like the Go plugin's (Node says `ENOENT: no such file ...`).
 */
const TEXT: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'not a directory',
  EISDIR: 'is a directory',
  EEXIST: 'file exists',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
};

export function goFsError(err: unknown, op: string, path: string): Error {
  const e = err as NodeJS.ErrnoException & { strerror?: string };
  const text = e.strerror ?? (e.code && TEXT[e.code]) ?? e.message;
  // mkdir -p names the component that failed, as Go's MkdirAll does
  return new Error(`${op} ${op === 'mkdir' && e.path ? e.path : path}: ${text}`, { cause: err });
}
