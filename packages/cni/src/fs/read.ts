import { readFileSync } from 'node:fs';

/** The text of `file`, or undefined when it does not exist; any other failure throws. */
export function readFileIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
