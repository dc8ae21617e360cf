import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunIdentity } from '../api/run-events.ts';
import {
  accountSignerOf,
  apiServerInboxPrefix,
  apiServerPermissions,
  channelPermissions,
  controllerPermissions,
  createBusAuthority,
  inputPublisherInboxPrefix,
  inputPublisherPermissions,
  issueUserCredentials,
  renderServerAuthConfig,
  runBridgePermissions,
} from './auth.ts';

const identity: RunIdentity = { namespace: 'ns', instance: 'bot.v1', run: 'run-1', runUid: 'uid-1' };

function claimsOf(jwt: string): Record<string, unknown> {
  const [, body] = jwt.split('.');
  return JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

function jwtOfCreds(creds: string): string {
  const match = /-----BEGIN NATS USER JWT-----\n(\S+)\n/.exec(creds);
  assert.ok(match?.[1], 'creds hold a user JWT');
  return match[1];
}

describe('bus authority', () => {
  it('is plain strings, with the system account named by the operator', async () => {
    const authority = await createBusAuthority();
    const roundTrip = JSON.parse(JSON.stringify(authority)) as unknown;
    assert.deepEqual(roundTrip, authority);
    assert.match(authority.operator.seed, /^SO/);
    assert.match(authority.account.signingKey.seed, /^SA/);
    const operator = claimsOf(authority.operator.jwt) as { nats: { system_account?: string } };
    assert.equal(operator.nats.system_account, authority.systemAccount.publicKey);
  });

  it('enables JetStream for the application account and trusts its signing key', async () => {
    const authority = await createBusAuthority({ jetStreamLimits: { streams: 3 } });
    const account = claimsOf(authority.account.jwt) as {
      iss: string;
      nats: { signing_keys: string[]; limits: { disk_storage: number; streams: number } };
    };
    assert.equal(account.iss, authority.operator.publicKey);
    assert.deepEqual(account.nats.signing_keys, [authority.account.signingKey.publicKey]);
    assert.ok(account.nats.limits.disk_storage > 0);
    assert.equal(account.nats.limits.streams, 3);
  });

  it('renders a memory resolver preloaded with both accounts', async () => {
    const authority = await createBusAuthority();
    const conf = renderServerAuthConfig(authority);
    assert.ok(conf.includes(`operator: "${authority.operator.jwt}"`));
    assert.ok(conf.includes(`system_account: "${authority.systemAccount.publicKey}"`));
    assert.match(conf, /^resolver: MEMORY$/m);
    assert.ok(conf.includes(`${authority.account.publicKey}: "${authority.account.jwt}"`));
    assert.ok(conf.includes(`${authority.systemAccount.publicKey}: "${authority.systemAccount.jwt}"`));
  });
});

describe('user credentials', () => {
  it('are signed by the account signing key, carry the permissions and expiry', async () => {
    const authority = await createBusAuthority();
    const expiresAt = new Date('2030-01-01T00:00:00Z');
    const creds = await issueUserCredentials(accountSignerOf(authority), {
      name: 'bridge/ns/run-1',
      permissions: { publish: { allow: ['a.>'], deny: ['a.b'] }, subscribe: { allow: ['_INBOX_x.>'] } },
      expiresAt,
    });
    assert.match(creds, /-----BEGIN USER NKEY SEED-----\nSU/);
    const user = claimsOf(jwtOfCreds(creds)) as {
      iss: string;
      exp: number;
      name: string;
      nats: { issuer_account: string; pub: unknown; sub: unknown };
    };
    assert.equal(user.iss, authority.account.signingKey.publicKey);
    assert.equal(user.nats.issuer_account, authority.account.publicKey);
    assert.equal(user.name, 'bridge/ns/run-1');
    assert.equal(user.exp, expiresAt.getTime() / 1000);
    assert.deepEqual(user.nats.pub, { allow: ['a.>'], deny: ['a.b'] });
    assert.deepEqual(user.nats.sub, { allow: ['_INBOX_x.>'], deny: [] });
  });
});

describe('permissions', () => {
  it("confine a bridge to its run's events, its input consumer and its inbox", () => {
    const permissions = runBridgePermissions(identity);
    const consumer = 'input-uid-1';
    assert.deepEqual(permissions.publish.allow, [
      'k8sclaw.runs.ns.bot_v1.run-1.>',
      'k8sclaw.history.ns.bot_v1.run-1',
      `$JS.API.CONSUMER.CREATE.K8SCLAW_RUN_INPUT.${consumer}.k8sclaw.input.ns.bot_v1.run-1`,
      `$JS.API.CONSUMER.INFO.K8SCLAW_RUN_INPUT.${consumer}`,
      `$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_RUN_INPUT.${consumer}`,
      `$JS.ACK.K8SCLAW_RUN_INPUT.${consumer}.>`,
    ]);
    assert.deepEqual(permissions.subscribe.allow, ['_INBOX_uid-1.>']);
    assert.ok(!permissions.publish.allow.some((s) => s.includes('*') || s === '$JS.API.>'));
  });

  it('let the controller manage both streams and publish input, nothing broader', () => {
    const { publish, subscribe } = controllerPermissions();
    assert.ok(publish.allow.includes('$JS.API.STREAM.CREATE.K8SCLAW_RUN_EVENTS'));
    assert.ok(publish.allow.includes('$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_RUN_EVENTS.*'));
    assert.ok(publish.allow.includes('$JS.ACK.K8SCLAW_RUN_EVENTS.>'));
    assert.ok(publish.allow.includes('k8sclaw.input.>'));
    assert.ok(!publish.allow.some((s) => s.startsWith('k8sclaw.runs')));
    assert.ok(!publish.allow.includes('$JS.API.>'));
    assert.deepEqual(subscribe.allow, ['_INBOX.>']);
  });

  it('let input publishers publish input and read their own replies only', () => {
    assert.deepEqual(inputPublisherPermissions(), {
      publish: { allow: ['k8sclaw.input.>'] },
      subscribe: { allow: [`${inputPublisherInboxPrefix}.>`] },
    });
  });

  it("carry the API server's response permission into the JWT (ttl in nanoseconds)", async () => {
    const authority = await createBusAuthority();
    const creds = await issueUserCredentials(authority, {
      name: 'k8sclaw-apiserver',
      permissions: apiServerPermissions('k8sclaw-apiserver-run-events'),
    });
    const nats = claimsOf(jwtOfCreds(creds)).nats as Record<string, unknown>;
    assert.deepEqual(nats.resp, { max: 1, ttl: 60_000_000_000 });
    const bridge = await issueUserCredentials(authority, {
      name: 'bridge',
      permissions: runBridgePermissions(identity),
    });
    assert.equal((claimsOf(jwtOfCreds(bridge)).nats as Record<string, unknown>).resp, undefined);
  });

  it('let the API server read its own run-events, chat message and receipt consumers, follow runs, answer history requests and send replies, and no other durable', () => {
    assert.deepEqual(
      apiServerPermissions('k8sclaw-apiserver-run-events', {
        protectedDurables: ['k8sclaw-controller-results'],
      }),
      {
        publish: {
          allow: [
            '$JS.API.CONSUMER.CREATE.K8SCLAW_RUN_EVENTS.k8sclaw-apiserver-run-events.>',
            '$JS.API.CONSUMER.INFO.K8SCLAW_RUN_EVENTS.k8sclaw-apiserver-run-events',
            '$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_RUN_EVENTS.k8sclaw-apiserver-run-events',
            '$JS.ACK.K8SCLAW_RUN_EVENTS.k8sclaw-apiserver-run-events.>',
            '$JS.API.STREAM.INFO.K8SCLAW_RUN_EVENTS',
            '$JS.API.CONSUMER.CREATE.K8SCLAW_RUN_EVENTS.*.k8sclaw.runs.>',
            '$JS.API.CONSUMER.INFO.K8SCLAW_RUN_EVENTS.*',
            '$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_RUN_EVENTS.*',
            '$JS.API.CONSUMER.DELETE.K8SCLAW_RUN_EVENTS.*',
            '$JS.API.CONSUMER.CREATE.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-inbound.k8sclaw.channels.in.*.*.*',
            '$JS.API.CONSUMER.INFO.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-inbound',
            '$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-inbound',
            '$JS.ACK.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-inbound.>',
            '$JS.API.CONSUMER.CREATE.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-receipts.k8sclaw.channels.receipts.*.*.*',
            '$JS.API.CONSUMER.INFO.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-receipts',
            '$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-receipts',
            '$JS.ACK.K8SCLAW_CHANNELS.k8sclaw-apiserver-channel-receipts.>',
            'k8sclaw.channels.out.>',
          ],
          deny: [
            '$JS.API.CONSUMER.CREATE.K8SCLAW_RUN_EVENTS.k8sclaw-controller-results.>',
            '$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_RUN_EVENTS.k8sclaw-controller-results',
            '$JS.API.CONSUMER.DELETE.K8SCLAW_RUN_EVENTS.k8sclaw-controller-results',
          ],
        },
        subscribe: {
          allow: [`${apiServerInboxPrefix}.>`, 'k8sclaw.history.*.*.* k8sclaw-apiserver-history'],
        },
        responses: { max: 1, ttlMs: 60_000 },
      },
    );
    assert.throws(() => apiServerPermissions('a.>'), /cannot be a durable consumer name/);
  });
});

describe('channel permissions', () => {
  it('let a channel pod publish its own chat messages and receipts and read its own replies, nothing else', () => {
    const permissions = channelPermissions({
      namespace: 'team-a',
      instance: 'alice.v1',
      channel: 'telegram',
    });
    const consumer = permissions.publish.allow
      .find((subject) => subject.startsWith('$JS.API.CONSUMER.INFO.'))
      ?.split('.')
      .at(-1);
    assert.match(consumer ?? '', /^channel-telegram-[0-9a-f]{24}$/);
    assert.deepEqual(permissions.publish.allow, [
      'k8sclaw.channels.in.team-a.alice_v1.telegram',
      'k8sclaw.channels.receipts.team-a.alice_v1.telegram',
      `$JS.API.CONSUMER.CREATE.K8SCLAW_CHANNELS.${consumer}.k8sclaw.channels.out.team-a.alice_v1.telegram`,
      `$JS.API.CONSUMER.INFO.K8SCLAW_CHANNELS.${consumer}`,
      `$JS.API.CONSUMER.MSG.NEXT.K8SCLAW_CHANNELS.${consumer}`,
      `$JS.ACK.K8SCLAW_CHANNELS.${consumer}.>`,
    ]);
    assert.equal(permissions.subscribe.allow.length, 1);
    assert.match(permissions.subscribe.allow[0] ?? '', /^_INBOX_CHANNEL_[0-9a-f]{24}\.>$/);
    assert.equal(permissions.responses, undefined);
  });

  it('differ per namespace, instance and type, and refuse names that would widen them', () => {
    const a = channelPermissions({ namespace: 'team-a', instance: 'alice', channel: 'telegram' });
    const b = channelPermissions({ namespace: 'team-b', instance: 'alice', channel: 'telegram' });
    const c = channelPermissions({ namespace: 'team-a', instance: 'alice', channel: 'slack' });
    assert.notDeepEqual(a.subscribe, b.subscribe);
    // inbound, receipts, consumer create: each names its own channel only
    for (const index of [0, 1, 2]) {
      assert.notEqual(a.publish.allow[index], b.publish.allow[index]);
      assert.notEqual(a.publish.allow[index], c.publish.allow[index]);
    }
    assert.throws(
      () => channelPermissions({ namespace: '*', instance: 'alice', channel: 'telegram' }),
      /not a Kubernetes name/,
    );
    assert.throws(
      () => channelPermissions({ namespace: 'a', instance: 'alice', channel: '>' as 'telegram' }),
      /not a channel type/,
    );
  });
});
