// Public surface of the Discord channel (discord.js is imported only in this folder).
export { DiscordAdapter, type DiscordAdapterOptions } from './discord-adapter.ts';
export {
  buildReceivedMessage as buildDiscordReceivedMessage,
  type DiscordBotIdentity,
  type DiscordMessageFacts,
} from './discord-message.ts';
export { createDiscordAdapter } from './discord-settings.ts';
