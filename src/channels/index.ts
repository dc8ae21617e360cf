// Public surface of the channels component: the shared kit, each chat service's adapter, and the
// registry of which adapter serves which channel type.
export * from './kit/index.ts';
export * from './slack/index.ts';
export * from './telegram/index.ts';
export * from './discord/index.ts';
export * from './whatsapp/index.ts';
export { channelAdapters } from './channel-adapters.ts';
