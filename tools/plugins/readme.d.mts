export const BEGIN: string;
export const END: string;
export function pluginTable(root: string): string;
export function renderReadme(root: string, text?: string): string;
export function updateReadme(root: string): boolean;
