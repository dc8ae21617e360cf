// Which adapter each channel type runs: the one place a new chat service is registered.
import type { ChannelType } from '../api/index.ts';
import type { AdapterFactory } from './kit/index.ts';
import { createDiscordAdapter } from './discord/index.ts';
import { createSlackAdapter } from './slack/index.ts';
import { createTelegramAdapter } from './telegram/index.ts';
import { createWhatsAppAdapter } from './whatsapp/index.ts';

export const channelAdapters: Partial<Record<ChannelType, AdapterFactory>> = {
  telegram: createTelegramAdapter,
  discord: createDiscordAdapter,
  whatsapp: createWhatsAppAdapter,
  slack: createSlackAdapter,
};
