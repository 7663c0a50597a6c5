// What the multi-call binary says when it cannot tell which plugin to be.
import { basename } from 'node:path';

export const BINARY_NAME = 'cni-ts-plugins';

export function unknownPlugin(names: string[]): void {
  const self = basename(process.argv0 || BINARY_NAME);
  const asked = process.argv[2];
  const list = names.join(', ');
  if (process.env.CNI_COMMAND) {
    // A runtime exec'd us under a name we do not provide: answer in the CNI error format on stdout.
    const msg = `unknown plugin "${self}": this binary provides ${list}`;
    process.stdout.write(`${JSON.stringify({ cniVersion: '1.1.0', code: 999, msg })}\n`);
  } else if (asked === '--list' || asked === 'list') {
    process.stdout.write(`${names.join('\n')}\n`);
    return;
  } else {
    process.stderr.write(
      `usage: ${BINARY_NAME} <plugin>   (or install it as /opt/cni/bin/<plugin>)\n` +
        (asked ? `unknown plugin "${asked}"; ` : '') +
        `plugins: ${list}\n`,
    );
  }
  process.exitCode = 1;
}
