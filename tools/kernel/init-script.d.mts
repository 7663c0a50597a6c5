export declare function shq(word: string): string;
export declare const START_MARK: string;
export declare const EXIT_MARK: string;
export declare const STATUS_FILE: string;
export interface InitOptions {
  work: string;
  rw: string[];
  cwd: string;
  env: Record<string, string>;
  argv: string[];
  tty: { cols: number; rows: number } | null;
  modules: string[];
  runnerPid: number;
}
export declare function renderInit(o: InitOptions): string;
