// The WhatsApp channel's settings from the channel pod's environment (the instance's channel Secret
// and what the controller adds): the Cloud API access token and phone number id for sending, and
// the verify token and app secret that make the webhook, the only way messages come in, Meta's.
import { z } from 'zod';
import type { AdapterFactory } from '../kit/index.ts';
import { defaultWhatsAppApiUrl, WhatsAppAdapter } from './whatsapp-adapter.ts';

const required = 'required for the whatsapp channel';

const whatsAppSettingsSchema = z.object({
  WHATSAPP_ACCESS_TOKEN: z.string().min(1, required),
  WHATSAPP_PHONE_NUMBER_ID: z.string({ error: required }).regex(/^\d+$/, 'the numeric phone number id'),
  WHATSAPP_VERIFY_TOKEN: z.string().min(1, required),
  WHATSAPP_APP_SECRET: z.string().min(1, required),
  /** The port the webhook endpoint listens on. */
  K8SCLAW_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  /** The Graph API base URL with its version (a fake in tests). */
  K8SCLAW_WHATSAPP_API_URL: z.string().url().default(defaultWhatsAppApiUrl),
});

export const createWhatsAppAdapter: AdapterFactory = (environment, onError) => {
  const settings = whatsAppSettingsSchema.parse(environment);
  return new WhatsAppAdapter({
    accessToken: settings.WHATSAPP_ACCESS_TOKEN,
    phoneNumberId: settings.WHATSAPP_PHONE_NUMBER_ID,
    verifyToken: settings.WHATSAPP_VERIFY_TOKEN,
    appSecret: settings.WHATSAPP_APP_SECRET,
    apiUrl: settings.K8SCLAW_WHATSAPP_API_URL,
    port: settings.K8SCLAW_WEBHOOK_PORT,
    onError,
  });
};
