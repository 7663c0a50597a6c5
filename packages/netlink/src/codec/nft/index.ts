// The nf_tables codec: messages in, bytes out, no syscalls.
export * from './constants';
export * from './nfgen';
export * from './udata';
export * from './data';
export * from './expr';
export * from './table';
export * from './chain';
export * from './rule';
export * from './set';
export * from './setelem';
export * as match from './match';
export * as stmt from './stmt';
export * as sets from './sets';
export * from './compare';
