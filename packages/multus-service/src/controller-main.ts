// multus-service-controller [--kubeconfig FILE] [--resync 10m] [--max-endpoints-per-slice 100] [-v]
// The EndpointSlice controller (one replica: see deploy/multus-service.yaml).
import { kubeClient, logger, parseDuration, parseFlags, stopOnSignals, usageError } from './cli';
import { ServiceController } from './controller';
import { MAX_ENDPOINTS_PER_SLICE } from './constants';

const USAGE = `usage: multus-service-controller [--kubeconfig FILE] [--resync DURATION] [--max-endpoints-per-slice N] [-v]
  --kubeconfig FILE              API server and credentials (default: the pod's service account)
  --resync DURATION              re-check every Service this often (default 10m)
  --max-endpoints-per-slice N    endpoints per EndpointSlice (default ${MAX_ENDPOINTS_PER_SLICE}, at most 1000)
  -v                             log each sync
`;

const values = parseFlags(USAGE, {
  kubeconfig: { type: 'string' },
  resync: { type: 'string' },
  'max-endpoints-per-slice': { type: 'string' },
  v: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
});
const max = values['max-endpoints-per-slice'] === undefined ? MAX_ENDPOINTS_PER_SLICE : Number(values['max-endpoints-per-slice']);
if (!Number.isInteger(max) || max < 1 || max > 1000) usageError(USAGE, `--max-endpoints-per-slice: want 1..1000, got ${values['max-endpoints-per-slice']}`);
const { log, debug } = logger('multus-service-controller', !!values.v);
const controller = new ServiceController(await kubeClient(values.kubeconfig), {
  resyncMs: parseDuration('resync', values.resync, USAGE),
  maxEndpointsPerSlice: max,
  log,
  debug,
});
stopOnSignals(() => controller.stop(), log);
await controller.start();
log('started: informers synced');
