import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
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
    assert.equal(adapter.httpPort(), undefined);
    assert.equal(
      (adapter as unknown as { options: { socketMode?: unknown } }).options.socketMode !== undefined,
      true,
    );
  });

  it('builds an HTTP Events API adapter on the webhook port with the signing secret alone', () => {
    const adapter = createSlackAdapter(
      {
        SLACK_BOT_TOKEN: 'xoxb-1',
        SLACK_SIGNING_SECRET: 's',
        K8SCLAW_WEBHOOK_PORT: '9090',
        K8SCLAW_SLACK_API_URL: 'http://fake:8080/api/',
      },
      ignore,
    );
    const options = (adapter as unknown as { options: { http?: { port: number }; apiUrl?: string } }).options;
    assert.equal(options.http?.port, 9090);
    assert.equal(options.apiUrl, 'http://fake:8080/api/');
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
