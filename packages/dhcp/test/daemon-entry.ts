// Runs `dhcp daemon` / `dhcp status` from source for the e2e tests (no src/main.ts yet).
import { runDaemon, runStatus } from '../src/daemon/run';

const [cmd, ...rest] = process.argv.slice(2);
const code = cmd === 'status' ? await runStatus(rest) : await runDaemon(rest);
process.exit(code);
