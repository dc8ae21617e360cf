// The objects onboard applies, per provider and with a channel, and the answers it refuses.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clawInstanceKind, clawPolicyKind, validateObject } from '../../api/index.ts';
import { planOnboard, type OnboardAnswers } from './onboard-plan.ts';

const base: OnboardAnswers = {
  namespace: 'team-a',
  instance: 'alice',
  provider: 'openai',
  model: 'gpt-4o-mini',
  apiKey: 'sk-test',
  policy: { name: 'default', defaultAction: 'allow' },
};

interface Planned {
  kind: string;
  metadata: { name: string };
  stringData?: Record<string, string>;
  spec: Record<string, unknown>;
}
const plan = (answers: OnboardAnswers) => planOnboard(answers) as unknown as Planned[];

describe('onboard plan', () => {
  it('openai: the key Secret, the policy, the instance that names both', () => {
    const [secret, policy, instance] = plan(base) as [Planned, Planned, Planned];
    assert.deepEqual(
      [secret, policy, instance].map((o) => `${o.kind}/${o.metadata.name}`),
      ['Secret/alice-openai', 'ClawPolicy/default', 'ClawInstance/alice'],
    );
    assert.deepEqual(secret.stringData, { 'api-key': 'sk-test' });
    assert.deepEqual(instance.spec.agents, {
      default: {
        provider: 'openai',
        model: 'gpt-4o-mini',
        authSecretRef: { name: 'alice-openai', key: 'api-key' },
      },
    });
    assert.equal(instance.spec.policyRef, 'default');
    assert.deepEqual(validateObject(clawPolicyKind, policy), []);
    assert.deepEqual(validateObject(clawInstanceKind, instance), []);
  });

  it('ollama needs no key; a channel gets its token Secret under the key its pod reads', () => {
    const objects = plan({
      ...base,
      provider: 'ollama',
      apiKey: undefined,
      baseUrl: 'http://ollama:11434/v1',
      channel: { type: 'telegram', token: 'tg-token' },
    });
    assert.deepEqual(
      objects.map((o) => o.kind),
      ['Secret', 'ClawPolicy', 'ClawInstance'],
    );
    assert.deepEqual(objects[0]!.stringData, { TELEGRAM_BOT_TOKEN: 'tg-token' });
    assert.deepEqual(objects[2]!.spec.channels, [
      { type: 'telegram', secretRef: { name: 'alice-telegram' } },
    ]);
    assert.deepEqual(validateObject(clawInstanceKind, objects[2]), []);
  });

  it('a channel’s other keys go into its Secret beside the token', () => {
    const settings = {
      WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
      WHATSAPP_VERIFY_TOKEN: 'verify',
      WHATSAPP_APP_SECRET: 'app-secret',
    };
    const secret = plan({ ...base, channel: { type: 'whatsapp', token: 'EAAG', settings } })[1];
    assert.equal(secret?.metadata.name, 'alice-whatsapp');
    assert.deepEqual(secret.stringData, { WHATSAPP_ACCESS_TOKEN: 'EAAG', ...settings });
  });

  const refused: [string, Partial<OnboardAnswers>, RegExp][] = [
    [
      'a WhatsApp channel without its webhook settings',
      { channel: { type: 'whatsapp', token: 'EAAG', settings: { WHATSAPP_PHONE_NUMBER_ID: '1' } } },
      /the whatsapp channel also needs WHATSAPP_VERIFY_TOKEN, WHATSAPP_APP_SECRET/,
    ],
    ['a hosted provider without a key', { apiKey: undefined }, /needs an API key/],
    ['azure without an endpoint', { provider: 'azure-openai' }, /needs --base-url/],
    ['an unknown provider', { provider: 'skynet' as never }, /unknown provider "skynet"/],
    ['an unknown channel', { channel: { type: 'irc' as never, token: 't' } }, /unknown channel "irc"/],
    [
      'an unknown default action',
      { policy: { name: 'p', defaultAction: 'maybe' as never } },
      /unknown default action/,
    ],
  ];
  for (const [name, change, message] of refused)
    it(`refuses ${name}`, () => assert.throws(() => planOnboard({ ...base, ...change }), message));
});
