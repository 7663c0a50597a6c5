export { Pool, serverError, type Job, type Outcome, type PoolOptions, type PoolEvent } from './pool';
export { startServer, prepareSocket, DEFAULT_SOCKET, type ServerOptions, type ServerStats, type ResidentServer } from './server';
export * from './protocol';
