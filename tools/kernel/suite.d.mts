export declare const KERNEL_INCLUDE: string[];
export declare const KERNEL_COST: Record<string, number>;
export declare const DEFAULT_COST: number;
export declare function kernelFiles(root: string): string[];
export declare function shardFiles(files: string[], n: number, cost?: Record<string, number>): { files: string[]; cost: number }[];
