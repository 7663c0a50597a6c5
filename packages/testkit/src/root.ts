/** Thrown (and printed without a stack) when a root suite runs as another user. */
export class NotRootError extends Error {
  constructor(suite = 'this suite') {
    super(
      `${suite} needs root: it creates network namespaces and links. ` +
        'Run it as root (sudo pnpm test), or run only the unit suite with `pnpm test:unit`.',
    );
    this.name = 'NotRootError';
    this.stack = `${this.name}: ${this.message}`;
  }
}

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function requireRoot(suite?: string): void {
  if (!isRoot()) throw new NotRootError(suite);
}
