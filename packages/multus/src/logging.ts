// Multus logging (upstream pkg/logging): levels panic < error < verbose < debug, default panic
// (a default install logs nothing), lines `<RFC3339> [<level>] <message>` to stderr (unless
// logToStderr is false) and appended to logFile, rotated as upstream's lumberjack (rotate.ts:
// logOptions over its defaults, in the one-shot plugin and in the daemon alike).
import { appendRotating, rotateOptions, type RotateInput, type RotateOptions } from './rotate';

export const LEVELS = { panic: 0, error: 1, verbose: 2, debug: 3 } as const;
export type Level = keyof typeof LEVELS;

export interface LogSink {
  stderr?: (line: string) => void;
  file?: string;
}

export class Logger {
  level: number = LEVELS.panic;
  toStderr = true;
  file = '';
  rotation: RotateOptions = rotateOptions();
  readonly sink: LogSink;
  constructor(sink: LogSink = {}) {
    this.sink = sink;
  }

  configure(opts: { logLevel: string; logToStderr: boolean; logFile: string; logOptions?: RotateInput | undefined }): void {
    this.toStderr = opts.logToStderr;
    this.file = opts.logFile;
    this.rotation = rotateOptions(opts.logOptions);
    if (opts.logLevel !== '') {
      const l = LEVELS[opts.logLevel.toLowerCase() as Level];
      if (l === undefined) this.sink.stderr?.(`multus logging: cannot set logging level to ${opts.logLevel}\n`);
      else this.level = l;
    }
  }

  #write(level: Level, msg: string): void {
    if (LEVELS[level] > this.level) return;
    const line = `${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} [${level}] ${msg}\n`;
    if (this.toStderr) this.sink.stderr?.(line);
    if (this.file) {
      try {
        appendRotating(this.file, line, this.rotation);
      } catch {
        // a log file that cannot be written must not fail the CNI call
      }
    }
  }

  error(msg: string): void {
    this.#write('error', msg);
  }
  warn(msg: string): void {
    this.#write('error', `warning: ${msg}`);
  }
  verbose(msg: string): void {
    this.#write('verbose', msg);
  }
  debug(msg: string): void {
    this.#write('debug', msg);
  }
}
