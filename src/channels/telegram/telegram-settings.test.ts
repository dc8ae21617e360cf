import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { createTelegramAdapter } from './telegram-settings.ts';
import { TelegramAdapter } from './telegram-adapter.ts';

const ignore = () => undefined;

function issuePaths(environment: NodeJS.ProcessEnv): string[] {
  try {
    createTelegramAdapter(environment, ignore);
  } catch (error) {
    assert.ok(error instanceof z.ZodError);
    return error.issues.map((issue) => issue.path.join('.'));
  }
  assert.fail('the settings were accepted');
}

describe('the Telegram channel settings', () => {
  it('builds a polling adapter from the bot token alone', () => {
    assert.ok(createTelegramAdapter({ TELEGRAM_BOT_TOKEN: '1:abc' }, ignore) instanceof TelegramAdapter);
  });

  it('names the missing bot token', () => {
    assert.deepEqual(issuePaths({}), ['TELEGRAM_BOT_TOKEN']);
  });

  it('wants the secret token with a webhook URL, and one Telegram accepts', () => {
    const base = { TELEGRAM_BOT_TOKEN: '1:abc', TELEGRAM_WEBHOOK_URL: 'https://bot.example.com/hook' };
    assert.deepEqual(issuePaths(base), ['TELEGRAM_WEBHOOK_SECRET']);
    assert.deepEqual(issuePaths({ ...base, TELEGRAM_WEBHOOK_SECRET: 'has spaces' }), [
      'TELEGRAM_WEBHOOK_SECRET',
    ]);
  });
});
