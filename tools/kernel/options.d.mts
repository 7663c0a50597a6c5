export declare const USAGE: string;
export declare class UsageError extends Error {}
export interface KernelOptions {
  out: string[];
  mem: string;
  timeout: number;
  env: Record<string, string>;
  verbose: boolean;
  keep: boolean;
  kernel: string;
  help: boolean;
  command: string[];
}
export declare function parseOptions(argv: string[], env?: Record<string, string | undefined>): KernelOptions;
export declare function guestEnv(env: Record<string, string | undefined>, extra: Record<string, string>): Record<string, string>;
