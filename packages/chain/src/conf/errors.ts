// Errors of config loading. The libcni text is kept whole (people match on it); a file's
// errors also name the file, the field and, for JSON syntax errors, the line and column.

/** A parse failure inside one config document; `field` is a path like `plugins[1].type`. */
export class ConfError extends Error {
  readonly field: string | undefined;
  /** Byte offset of a JSON syntax error. */
  readonly offset: number | undefined;

  constructor(message: string, opts: { field?: string; offset?: number; cause?: unknown } = {}) {
    super(message, { cause: opts.cause });
    this.name = 'ConfError';
    this.field = opts.field;
    this.offset = opts.offset;
  }
}

/** Line and column (1-based) of a byte offset. */
export function lineColumn(bytes: Uint8Array, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      line++;
      start = i + 1;
    }
  }
  return { line, column: Math.max(1, offset - start + 1) };
}

/**
 * A config file that could not be loaded: `<file>: <field>: <libcni text>` or
 * `<file>: line L, column C: <libcni text>`.
 */
export class ConfigFileError extends Error {
  readonly file: string;
  readonly field: string | undefined;
  /** The libcni error text alone. */
  readonly reason: string;
  /** `line L, column C` of a JSON syntax error. */
  readonly location: string | undefined;

  constructor(file: string, err: unknown, bytes?: Uint8Array) {
    const reason = err instanceof Error ? err.message : String(err);
    const field = err instanceof ConfError ? err.field : undefined;
    let where = field ? `${field}: ` : '';
    let location: string | undefined;
    if (err instanceof ConfError && err.offset !== undefined && bytes) {
      const { line, column } = lineColumn(bytes, err.offset);
      location = `line ${line}, column ${column}`;
      where = `${location}: ${where}`;
    }
    // Read errors already name the file.
    super(!where && reason.includes(file) ? reason : `${file}: ${where}${reason}`, { cause: err });
    this.name = 'ConfigFileError';
    this.file = file;
    this.field = field;
    this.reason = reason;
    this.location = location;
  }
}

/** libcni NotFoundError. */
export class NotFoundError extends Error {
  readonly dir: string;
  readonly network: string;
  constructor(dir: string, network: string) {
    super(`no net configuration with name "${network}" in ${dir}`);
    this.name = 'NotFoundError';
    this.dir = dir;
    this.network = network;
  }
}

/** libcni NoConfigsFoundError. */
export class NoConfigsFoundError extends Error {
  readonly dir: string;
  constructor(dir: string) {
    super(`no net configurations found in ${dir}`);
    this.name = 'NoConfigsFoundError';
    this.dir = dir;
  }
}
