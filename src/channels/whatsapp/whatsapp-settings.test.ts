import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { WhatsAppAdapter } from './whatsapp-adapter.ts';
import { createWhatsAppAdapter } from './whatsapp-settings.ts';

const ignore = () => undefined;
const complete = {
  WHATSAPP_ACCESS_TOKEN: 'EAAG-token',
  WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
  WHATSAPP_VERIFY_TOKEN: 'verify-me',
  WHATSAPP_APP_SECRET: 'app-secret',
};

function issuePaths(environment: NodeJS.ProcessEnv): string[] {
  try {
    createWhatsAppAdapter(environment, ignore);
  } catch (error) {
    assert.ok(error instanceof z.ZodError);
    return error.issues.map((issue) => issue.path.join('.'));
  }
  assert.fail('the settings were accepted');
}

describe('the WhatsApp channel settings', () => {
  it('builds the adapter from the token, the phone number id, the verify token and the app secret', () => {
    assert.ok(createWhatsAppAdapter(complete, ignore) instanceof WhatsAppAdapter);
    assert.ok(
      createWhatsAppAdapter(
        { ...complete, K8SCLAW_WEBHOOK_PORT: '9000', K8SCLAW_WHATSAPP_API_URL: 'http://127.0.0.1:1/v26.0' },
        ignore,
      ) instanceof WhatsAppAdapter,
    );
  });

  it('names every missing setting: the webhook is the only way messages come in', () => {
    assert.deepEqual(issuePaths({}).sort(), [
      'WHATSAPP_ACCESS_TOKEN',
      'WHATSAPP_APP_SECRET',
      'WHATSAPP_PHONE_NUMBER_ID',
      'WHATSAPP_VERIFY_TOKEN',
    ]);
    assert.deepEqual(issuePaths({ ...complete, WHATSAPP_APP_SECRET: '' }), ['WHATSAPP_APP_SECRET']);
  });

  it('refuses a phone number that is not the numeric id, a bad port and a bad API URL', () => {
    assert.deepEqual(issuePaths({ ...complete, WHATSAPP_PHONE_NUMBER_ID: '+1 555 0100' }), [
      'WHATSAPP_PHONE_NUMBER_ID',
    ]);
    assert.deepEqual(issuePaths({ ...complete, K8SCLAW_WEBHOOK_PORT: '70000' }), ['K8SCLAW_WEBHOOK_PORT']);
    assert.deepEqual(issuePaths({ ...complete, K8SCLAW_WHATSAPP_API_URL: 'graph' }), [
      'K8SCLAW_WHATSAPP_API_URL',
    ]);
  });
});
