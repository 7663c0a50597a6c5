// The rtnetlink codec on its own, for tools and tests: messages in, bytes out, no syscalls.
export * from './attr';
export * from './nlmsg';
export * from './constants';
export * from './error';
export * from './ip';
export * from './link';
export * from './link-kinds';
export * from './bridge';
export * from './addr';
export * from './route';
export * from './neigh';
export * from './rule';
