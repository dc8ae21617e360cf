import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { startSlackFake } from '../../../test/fakes/slack/index.ts';
import { findFreePort } from '../../../test/harness/free-port.ts';
import { SlackAdapter } from './slack-adapter.ts';
import { createSlackAdapter } from './slack-settings.ts';

const ignore = () => undefined;

function issuePaths(environment: NodeJS.ProcessEnv): string[] {
  try {
    createSlackAdapter(environment, ignore);
  } catch (error) {
    assert.ok(error instanceof z.ZodError);
    return error.issues.map((issue) => issue.path.join('.'));
  }
  assert.fail('the settings were accepted');
}

describe('the Slack channel settings', () => {
  it('builds a Socket Mode adapter when there is an app-level token, even with a signing secret', () => {
    const adapter = createSlackAdapter(
      { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: 's' },
      ignore,
    );
    assert.ok(adapter instanceof SlackAdapter);
    assert.equal(adapter.mode, 'socket-mode');
  });

  it('builds an HTTP Events API adapter on the webhook port, talking to the given Web API', async () => {
    const fake = await startSlackFake({ botToken: 'xoxb-1' });
    const port = await findFreePort();
    const adapter = createSlackAdapter(
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        K8SCLAW_WEBHOOK_PORT: String(port),
        K8SCLAW_SLACK_API_URL: fake.apiUrl,
      },
      ignore,
    );
    try {
      assert.ok(adapter instanceof SlackAdapter);
      assert.equal(adapter.mode, 'events-api');
      await adapter.start(async () => undefined);
      assert.equal(adapter.httpPort(), port);
      assert.ok(fake.calls.some((call) => call.method === 'auth.test' && call.ok));
    } finally {
      await adapter.stop();
      await fake.close();
    }
  });

  it('names the missing bot token', () => {
    assert.deepEqual(issuePaths({ SLACK_APP_TOKEN: 'xapp-1' }), ['SLACK_BOT_TOKEN']);
  });

  it('wants an app-level token or a signing secret, and an app token that is one', () => {
    assert.deepEqual(issuePaths({ SLACK_BOT_TOKEN: 'xoxb-1' }), ['SLACK_APP_TOKEN']);
    assert.deepEqual(issuePaths({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }), [
      'SLACK_APP_TOKEN',
    ]);
    assert.deepEqual(
      issuePaths({
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_APP_TOKEN: 'xapp-1',
        K8SCLAW_SLACK_API_URL: 'not a url',
      }),
      ['K8SCLAW_SLACK_API_URL'],
    );
  });
});
