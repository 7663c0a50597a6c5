// The ```sh blocks of a Markdown file, for the README test (readme.readme.ts runs them on a fresh
// clone; readme-blocks.test.ts checks in the unit suite that every block not run says why).
// A block not run carries, on the line before its fence:
//   <!-- readme-test: not run here: <reason> -->
// and the reason must start with one of NOT_HERE's.
export const MARKER = /^<!-- readme-test: not run here: (.+) -->$/;
/** Why a block may stay out, as the marker's reason starts. */
export const NOT_HERE = ['another machine', 'the test suites, which CI runs', '`pnpm test release` runs it'];

export interface Block {
  line: number;
  code: string;
  notHere?: string;
}

/** The ```sh blocks of a Markdown text, each with the reason of its marker, if any. */
export function shellBlocks(text: string): Block[] {
  const lines = text.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash|shell)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const marker = MARKER.exec(lines[start - 1] ?? '');
    blocks.push({ line: start + 1, code: body.join('\n'), ...(marker ? { notHere: marker[1] } : {}) });
  }
  return blocks;
}

