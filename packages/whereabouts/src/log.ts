// whereabouts' log lines (`<RFC3339 time> [level] message`) to stderr and, with log_file, appended
// to that file as well. Levels, most to least verbose: debug, verbose, error, panic. Upstream
// writes debug to stderr by default, and Multus quotes a failed plugin's stderr in its errors; we
// write errors only unless log_level asks for more (docs/compat.md).
import { appendFileSync } from 'node:fs';

export type Level = 'debug' | 'verbose' | 'error' | 'panic';
const RANK: Record<Level, number> = { debug: 0, verbose: 1, error: 2, panic: 3 };

export interface Logger {
  debug(msg: string): void;
  verbose(msg: string): void;
  error(msg: string): void;
}

export interface LoggerOptions {
  level?: string;
  file?: string;
  /** Where stderr lines go (the skeleton's req.log); default process.stderr. */
  stderr?: (line: string) => void;
}

const stamp = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

export function createLogger(o: LoggerOptions = {}): Logger {
  const min = RANK[(o.level as Level) in RANK ? (o.level as Level) : 'error'];
  const err = o.stderr ?? ((line: string) => process.stderr.write(`${line}\n`));
  const write = (level: Level, msg: string) => {
    if (RANK[level] < min) return;
    const line = `${stamp()} [${level}] ${msg}`;
    err(line);
    if (o.file) {
      try {
        appendFileSync(o.file, `${line}\n`, { mode: 0o644 });
      } catch {
        // A log file that cannot be written must not fail the command.
      }
    }
  };
  return { debug: (m) => write('debug', m), verbose: (m) => write('verbose', m), error: (m) => write('error', m) };
}

export const silentLogger: Logger = { debug: () => undefined, verbose: () => undefined, error: () => undefined };
