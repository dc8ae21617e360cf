// The Discord channel's settings from the channel pod's environment (the instance's channel Secret
// and what the controller adds): the bot token, and the REST root to use instead of Discord's.
import { z } from 'zod';
import type { AdapterFactory } from '../kit/index.ts';
import { DiscordAdapter } from './discord-adapter.ts';

const discordSettingsSchema = z.object({
  DISCORD_BOT_TOKEN: z.string().min(1, 'required for the discord channel'),
  /** The REST root, e.g. http://discord-fake:8080/api (a fake in tests); the Gateway is found through it. */
  K8SCLAW_DISCORD_API_URL: z.string().url().optional(),
});

export const createDiscordAdapter: AdapterFactory = (environment, onError) => {
  const settings = discordSettingsSchema.parse(environment);
  return new DiscordAdapter({
    token: settings.DISCORD_BOT_TOKEN,
    ...(settings.K8SCLAW_DISCORD_API_URL ? { apiUrl: settings.K8SCLAW_DISCORD_API_URL } : {}),
    onError,
  });
};
