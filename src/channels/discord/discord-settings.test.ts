import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { DiscordAdapter } from './discord-adapter.ts';
import { createDiscordAdapter } from './discord-settings.ts';

const ignore = () => undefined;

function issuePaths(environment: NodeJS.ProcessEnv): string[] {
  try {
    createDiscordAdapter(environment, ignore);
  } catch (error) {
    assert.ok(error instanceof z.ZodError);
    return error.issues.map((issue) => issue.path.join('.'));
  }
  assert.fail('the settings were accepted');
}

describe('the Discord channel settings', () => {
  it('builds an adapter from the bot token alone, or with another REST root', () => {
    assert.ok(createDiscordAdapter({ DISCORD_BOT_TOKEN: 'abc' }, ignore) instanceof DiscordAdapter);
    assert.ok(
      createDiscordAdapter(
        { DISCORD_BOT_TOKEN: 'abc', K8SCLAW_DISCORD_API_URL: 'http://discord-fake:8080/api' },
        ignore,
      ) instanceof DiscordAdapter,
    );
  });

  it('names the missing bot token and a REST root that is no URL', () => {
    assert.deepEqual(issuePaths({}), ['DISCORD_BOT_TOKEN']);
    assert.deepEqual(issuePaths({ DISCORD_BOT_TOKEN: 'abc', K8SCLAW_DISCORD_API_URL: 'discord-fake' }), [
      'K8SCLAW_DISCORD_API_URL',
    ]);
  });
});
