// The Telegram channel's settings from the channel pod's environment (the instance's channel Secret
// and what the controller adds): the bot token, and for webhook mode the public URL and the secret
// token Telegram sends back with every update.
import { z } from 'zod';
import type { AdapterFactory } from '../kit/index.ts';
import { TelegramAdapter } from './telegram-adapter.ts';

const telegramSettingsSchema = z
  .object({
    TELEGRAM_BOT_TOKEN: z.string().min(1, 'required for the telegram channel'),
    /** Webhook mode: the public HTTPS URL Telegram posts to, and the secret token it sends along. */
    TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
    TELEGRAM_WEBHOOK_SECRET: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,256}$/, 'must be 1-256 of A-Z, a-z, 0-9, _ and -')
      .optional(),
    /** The port the webhook endpoint listens on. */
    K8SCLAW_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** The Bot API root (a local Bot API server, or a fake in tests). */
    K8SCLAW_TELEGRAM_API_ROOT: z.string().url().optional(),
  })
  .refine((settings) => !settings.TELEGRAM_WEBHOOK_URL || settings.TELEGRAM_WEBHOOK_SECRET, {
    path: ['TELEGRAM_WEBHOOK_SECRET'],
    message: 'required with TELEGRAM_WEBHOOK_URL',
  });

export const createTelegramAdapter: AdapterFactory = (environment, onError) => {
  const settings = telegramSettingsSchema.parse(environment);
  return new TelegramAdapter({
    token: settings.TELEGRAM_BOT_TOKEN,
    ...(settings.K8SCLAW_TELEGRAM_API_ROOT ? { apiRoot: settings.K8SCLAW_TELEGRAM_API_ROOT } : {}),
    ...(settings.TELEGRAM_WEBHOOK_URL && settings.TELEGRAM_WEBHOOK_SECRET
      ? {
          webhook: {
            url: settings.TELEGRAM_WEBHOOK_URL,
            secretToken: settings.TELEGRAM_WEBHOOK_SECRET,
            port: settings.K8SCLAW_WEBHOOK_PORT,
          },
        }
      : {}),
    onError,
  });
};
