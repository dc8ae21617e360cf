// Public surface of the channels component: the shared kit and each chat service's adapter.
export * from './kit/index.ts';
export * from './telegram/index.ts';
