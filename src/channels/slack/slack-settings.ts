// The Slack channel's settings from the channel pod's environment (the instance's channel Secret
// and what the controller adds): the bot token, and how events arrive: Socket Mode with an
// app-level token (chosen whenever one is set: no public endpoint needed), else the HTTP Events API
// with the app's signing secret, on the webhook port.
import { z } from 'zod';
import type { AdapterFactory } from '../kit/index.ts';
import { SlackAdapter } from './slack-adapter.ts';

const slackSettingsSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string().min(1, 'required for the slack channel'),
    /** Socket Mode: an app-level token with `connections:write`. */
    SLACK_APP_TOKEN: z.string().startsWith('xapp-', 'must be an app-level token (xapp-…)').optional(),
    /** HTTP Events API: the signing secret of the app's Basic Information page. */
    SLACK_SIGNING_SECRET: z.string().min(1).optional(),
    /** The port the Events API endpoint (`/slack/events`) listens on. */
    K8SCLAW_WEBHOOK_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
    /** The Web API's base URL (a fake in tests). */
    K8SCLAW_SLACK_API_URL: z.string().url().optional(),
  })
  .refine((settings) => settings.SLACK_APP_TOKEN || settings.SLACK_SIGNING_SECRET, {
    path: ['SLACK_APP_TOKEN'],
    message: 'required for Socket Mode, or SLACK_SIGNING_SECRET for the HTTP Events API',
  });

export const createSlackAdapter: AdapterFactory = (environment, onError) => {
  const settings = slackSettingsSchema.parse(environment);
  const apiUrl = settings.K8SCLAW_SLACK_API_URL ? { apiUrl: settings.K8SCLAW_SLACK_API_URL } : {};
  if (settings.SLACK_APP_TOKEN) {
    return new SlackAdapter({
      botToken: settings.SLACK_BOT_TOKEN,
      ...apiUrl,
      socketMode: { appToken: settings.SLACK_APP_TOKEN },
      onError,
    });
  }
  return new SlackAdapter({
    botToken: settings.SLACK_BOT_TOKEN,
    ...apiUrl,
    http: { signingSecret: settings.SLACK_SIGNING_SECRET ?? '', port: settings.K8SCLAW_WEBHOOK_PORT },
    onError,
  });
};
