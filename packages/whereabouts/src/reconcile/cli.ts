// The whereabouts-reconciler binary (reconcile/main.ts).
import { main } from './main';

process.exitCode = await main(process.argv.slice(2));
