// A Telegram chat through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, real grammY, started with the environment the controller's channel
// Deployment sets and the channel's own bus credentials) polls the Telegram Bot API fake; the API
// server binary turns each chat message into an AgentRun over a real nats-server, and records the
// run's completion (published here as the run's IPC bridge would, with the run's credentials) into
// a real PostgreSQL and sends the reply back to the channel, which posts it into the same chat and
// says what became of it in a receipt, which the API server records on the run (the ReplyDelivered
// condition and an Event). There is no controller here: the runs' status holds only that condition. A
// run without a chat of its own (send_channel_message) posts into a chat the instance names.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, ClawInstance, Condition, RunEvent, RunIdentity } from '../../../src/api/index.ts';
import {
  accountSignerOf,
  buildChannelInboxPrefix,
  channelPermissions,
  connectEventBus,
  createBusAuthority,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
} from '../../../src/eventbus/index.ts';
import { buildChannelDeployment } from '../../../src/orchestrator/index.ts';
import { startTelegramFake, type TelegramFake } from '../../fakes/telegram/index.ts';
import { instanceManifest } from '../../fixtures/k8sclaw-objects.ts';
import { startApiServerProcess, type ApiServerProcess } from '../../harness/api-server-process.ts';
import { repoRoot } from '../../harness/binaries.ts';
import { installCrds } from '../../harness/crds.ts';
import { eventually } from '../../harness/eventually.ts';
import { findFreePort } from '../../harness/free-port.ts';
import { integrationKubeClient } from '../../harness/integration.ts';
import { ManagedProcess } from '../../harness/managed-process.ts';
import { startNatsServer, type NatsServer } from '../../harness/nats-server.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { httpOkProbe } from '../../harness/probes.ts';
import { buildCompletedEvent, connectAsBridge } from '../../harness/run-stand-ins.ts';
import { createTestNamespace, deleteTestNamespace } from '../../harness/test-namespace.ts';
import {
  callApi,
  createApiServerIdentity,
  createServiceAccountToken,
  grantInNamespace,
  tenantRules,
  type ApiServerIdentity,
} from '../apiserver/api-fixtures.ts';
import { createDatabase } from '../session/session-fixtures.ts';
import { ensureBusStreamsAsController } from '../../harness/bus-streams.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instanceName = 'claw';
const token = '123456:CHANNEL-test-token';
const ada = { id: 42, username: 'ada', firstName: 'Ada' };
const stranger = { id: 99, username: 'mallory', firstName: 'Mallory' };
const denyMessage = 'Sorry, this bot is private.';
const teamChat = '-1001';

describe('a Telegram chat through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let postgres: PostgresServer | undefined;
  let telegram: TelegramFake | undefined;
  let dir = '';
  let systemNs = '';
  let tenantNs = '';
  let identity: ApiServerIdentity | undefined;
  let server: ApiServerProcess | undefined;
  let channel: ManagedProcess | undefined;
  let healthUrl = '';
  let instance: ClawInstance;
  let tenantToken = '';

  before(async () => {
    await installCrds(kube);
    authority = await createBusAuthority();
    nats = await startNatsServer({ authority });
    postgres = await startPostgres();
    const databaseUrl = await createDatabase(postgres, 'channels_telegram');
    telegram = await startTelegramFake({ token });
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-channel-'));
    await writeFile(path.join(dir, 'signer.json'), JSON.stringify(accountSignerOf(authority)), {
      mode: 0o600,
    });
    systemNs = await createTestNamespace(kube, 'channels');
    tenantNs = await createTestNamespace(kube, 'channels-tenant');
    tenantToken = await createServiceAccountToken(kube, tenantNs, 'ada');
    await grantInNamespace(kube, tenantNs, { namespace: tenantNs, name: 'ada' }, tenantRules);
    // the controller creates the streams
    // the streams are the controller's to create
    await ensureBusStreamsAsController(nats.url, authority);
    instance = (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'clawinstances',
      body: instanceManifest(
        instanceName,
        tenantNs,
        {},
        {
          channels: [
            {
              type: 'telegram',
              secretRef: { name: 'claw-telegram' },
              // the chats the instance names: Ada's, and a team group its runs may post to
              accessControl: { allowedSenders: ['ada'], allowedChats: ['42', teamChat], denyMessage },
            },
          ],
        },
      ),
    })) as ClawInstance;
    identity = await createApiServerIdentity(kube, systemNs);
    server = await startApiServerProcess({
      kubeconfig: identity.kubeconfigFile,
      env: {
        DATABASE_URL: databaseUrl,
        EVENT_BUS_URL: nats.url,
        K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: path.join(dir, 'signer.json'),
        LOG_LEVEL: 'debug',
      },
    });
    channel = await startChannelProcess();
  });
  after(async () => {
    await channel?.stop();
    await server?.stop();
    await identity?.remove();
    await telegram?.close();
    await nats?.destroy();
    await postgres?.stop();
    for (const namespace of [systemNs, tenantNs]) if (namespace) await deleteTestNamespace(kube, namespace);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * The channel program with the environment the controller's Deployment gives it: the values of
   * buildChannelDeployment's env, the token its Secret holds, and its bus credentials as a file.
   */
  async function startChannelProcess(): Promise<ManagedProcess> {
    assert.ok(nats && telegram);
    const spec = instance.spec.channels?.[0];
    assert.ok(spec);
    const deployment = buildChannelDeployment(instance, spec, {
      image: 'channel-telegram',
      eventBusUrl: nats.url,
      busCredentialsSecretName: 'claw-channel-telegram-bus',
    });
    const credentialsFile = path.join(dir, 'bus.creds');
    await writeFile(
      credentialsFile,
      await issueUserCredentials(authority, {
        name: `channel/${tenantNs}/${instanceName}/telegram`,
        permissions: channelPermissions({ namespace: tenantNs, instance: instanceName, channel: 'telegram' }),
      }),
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = {};
    for (const variable of deployment.spec.template.spec.containers[0]?.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = variable.value;
    }
    assert.equal(env.K8SCLAW_BUS_CREDENTIALS_FILE, '/var/run/k8sclaw/bus/bus.creds');
    const healthPort = await findFreePort();
    healthUrl = `http://127.0.0.1:${healthPort}`;
    const proc = new ManagedProcess({
      name: 'channel-telegram',
      command: process.execPath,
      args: [path.join(repoRoot, 'src', 'cmd', 'channel.ts')],
      logFile: path.join(dir, 'channel.log'),
      env: {
        PATH: process.env.PATH,
        ...env,
        TELEGRAM_BOT_TOKEN: token,
        K8SCLAW_BUS_CREDENTIALS_FILE: credentialsFile,
        K8SCLAW_TELEGRAM_API_ROOT: telegram.apiRoot,
        K8SCLAW_HEALTH_PORT: String(healthPort),
        K8SCLAW_CHANNEL_RETRY_DELAY_MS: '200',
        // a reply that still fails on its second delivery from the bus is given up
        K8SCLAW_CHANNEL_MAX_DELIVERIES: '2',
        LOG_LEVEL: 'debug',
      },
    });
    proc.start();
    await proc.waitUntilReady(httpOkProbe(`${healthUrl}/readyz`), 30_000);
    return proc;
  }

  async function listRuns(): Promise<AgentRun[]> {
    const list = (await kube.customObjects.listNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
    })) as { items: AgentRun[] };
    return list.items;
  }

  async function runOfTask(task: string): Promise<AgentRun> {
    return await eventually(`the AgentRun of "${task}"`, async () =>
      (await listRuns()).find((run) => run.spec.task === task),
    );
  }

  function identityOf(run: AgentRun): RunIdentity {
    return {
      namespace: tenantNs,
      instance: instanceName,
      run: run.metadata.name,
      runUid: run.metadata.uid ?? '',
    };
  }

  /** The run's IPC bridge: publishes the run's events with the run's own credentials. */
  async function publishAsBridge(run: AgentRun, events: readonly RunEvent[]): Promise<void> {
    assert.ok(nats);
    const runIdentity = identityOf(run);
    const bridge = await connectAsBridge(
      nats.url,
      await issueUserCredentials(authority, {
        name: 'bridge',
        permissions: runBridgePermissions(runIdentity),
      }),
      runIdentity,
    );
    try {
      for (const event of events) await bridge.publishRunEvent(event);
    } finally {
      await bridge.close();
    }
  }

  /** The run's ReplyDelivered condition, once the API server recorded the reply's receipt. */
  async function replyDelivered(run: AgentRun): Promise<Condition> {
    return await eventually(`ReplyDelivered on ${run.metadata.name}`, async () => {
      const current = (await kube.customObjects.getNamespacedCustomObject({
        ...group,
        namespace: tenantNs,
        plural: 'agentruns',
        name: run.metadata.name,
      })) as AgentRun;
      return current.status?.conditions?.find((condition) => condition.type === 'ReplyDelivered');
    });
  }

  /** The Events recorded on the run (by the API server: nothing else runs here). */
  async function eventsOf(run: AgentRun): Promise<{ type?: string; reason?: string; message?: string }[]> {
    const list = await kube.core.listNamespacedEvent({
      namespace: tenantNs,
      fieldSelector: `involvedObject.name=${run.metadata.name}`,
    });
    return list.items
      .filter((event) => event.involvedObject.uid === run.metadata.uid)
      .map(({ type, reason, message }) => ({ type, reason, message }));
  }

  /** Who owns the run's status conditions: the API server applied ReplyDelivered as itself. */
  async function statusManagers(run: AgentRun): Promise<string[]> {
    const current = (await kube.customObjects.getNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      name: run.metadata.name,
    })) as AgentRun & { metadata: { managedFields?: { manager?: string; subresource?: string }[] } };
    return (current.metadata.managedFields ?? [])
      .filter((entry) => entry.subresource === 'status')
      .map((entry) => entry.manager ?? '');
  }

  async function completeRun(run: AgentRun, response: string): Promise<void> {
    // seq 1: a completion with no earlier events, recorded at once
    await publishAsBridge(run, [{ ...buildCompletedEvent(identityOf(run), { response }), seq: 1 }]);
  }

  /** A run created directly, as a schedule creates one: no session key, no chat of its own. */
  async function createScheduledRun(name: string, task: string): Promise<AgentRun> {
    return (await kube.customObjects.createNamespacedCustomObject({
      ...group,
      namespace: tenantNs,
      plural: 'agentruns',
      body: {
        apiVersion: 'k8sclaw.io/v1alpha1',
        kind: 'AgentRun',
        metadata: { name, namespace: tenantNs },
        spec: { instanceRef: instanceName, task },
      },
    })) as AgentRun;
  }

  /** What send_channel_message writes, as the bridge publishes it. */
  function channelMessageEvent(
    run: AgentRun,
    seq: number,
    chatId: string,
    text: string,
    id = `e${seq}`,
  ): RunEvent {
    return {
      id,
      seq,
      time: new Date().toISOString(),
      identity: identityOf(run),
      body: { type: 'channel_message', channel: 'telegram', chatId, text },
    };
  }

  function repliesTo(chatId: number, text: string) {
    assert.ok(telegram);
    return telegram
      .sentMessages()
      .filter((call) => Number(call.params.chat_id) === chatId && call.params.text === text);
  }

  /** Waits for a reply, then a while longer, and says how often it was sent. */
  async function countReplies(chatId: number, text: string): Promise<number> {
    await eventually(`the reply "${text}" in chat ${chatId}`, async () =>
      repliesTo(chatId, text).length > 0 ? true : undefined,
    );
    // long enough for a second copy (a redelivery, a retry) to show
    await sleep(1500);
    return repliesTo(chatId, text).length;
  }

  it('a message becomes a run of the chat’s session, and its reply comes back into the chat once', async () => {
    assert.ok(telegram);
    const { messageId } = telegram.pushMessage({ chatId: 42, from: ada, text: 'Hello, who are you?' });
    const run = await runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, 'telegram:42');
    await eventually('the typing indicator', async () =>
      telegram?.calls.some((call) => call.method === 'sendChatAction' && call.params.chat_id === '42')
        ? true
        : undefined,
    );
    await completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies(42, 'I am *Claw*\\. Nice to meet you, Ada\\!'), 1);
    const [reply] = repliesTo(42, 'I am *Claw*\\. Nice to meet you, Ada\\!');
    assert.equal(reply?.params.parse_mode, 'MarkdownV2');
    assert.deepEqual(reply?.params.reply_parameters, {
      message_id: messageId,
      allow_sending_without_reply: true,
    });
    // the channel's receipt shows on the run: the condition, applied by the API server as itself
    const delivered = await replyDelivered(run);
    assert.deepEqual(
      { status: delivered.status, reason: delivered.reason, message: delivered.message },
      { status: 'True', reason: 'Delivered', message: 'Delivered to telegram in 1 message (1 attempt).' },
    );
    assert.deepEqual(await statusManagers(run), ['k8sclaw-apiserver']);
    assert.deepEqual(
      await eventually('the ReplyDelivered Event', async () => {
        const events = await eventsOf(run);
        return events.length > 0 ? events : undefined;
      }),
      [
        {
          type: 'Normal',
          reason: 'ReplyDelivered',
          message: 'Delivered to telegram in 1 message (1 attempt).',
        },
      ],
    );
    // the chat is a session: the turn is stored there, for the chat's next run to see
    assert.ok(server);
    const messages = await callApi(
      server.url,
      'GET',
      `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/sessions/${encodeURIComponent('telegram:42')}/messages`,
      { token: tenantToken },
    );
    assert.equal(messages.status, 200);
    assert.deepEqual(
      (messages.body.items as { role: string; content: string }[]).map(({ role, content }) => ({
        role,
        content,
      })),
      [
        { role: 'user', content: 'Hello, who are you?' },
        { role: 'assistant', content: 'I am **Claw**. Nice to meet you, Ada!' },
      ],
    );
  });

  it('a message for an instance of the same name but another uid becomes no run', async () => {
    assert.ok(nats);
    const identity = { namespace: tenantNs, instance: instanceName, channel: 'telegram' as const };
    const bus = await connectEventBus({
      url: nats.url,
      name: 'stale-channel',
      credentials: await issueUserCredentials(authority, {
        name: 'stale',
        permissions: channelPermissions(identity),
      }),
      inboxPrefix: buildChannelInboxPrefix(identity),
      connectTimeoutMs: 10_000,
    });
    const message = (id: string, instanceUid: string, text: string) => ({
      id,
      channel: 'telegram' as const,
      namespace: tenantNs,
      instance: instanceName,
      instanceUid,
      chat: { chatId: '42' },
      sender: { id: '42' },
      text,
      sentAt: new Date().toISOString(),
    });
    try {
      await bus.publishChannelMessage(
        identity,
        message('stale-1', 'uid-of-a-deleted-instance', 'For the old one'),
      );
      // one consumer handles messages in order: once the next one has its run, the first was handled
      await bus.publishChannelMessage(
        identity,
        message('stale-2', instance.metadata.uid ?? '', 'For this one'),
      );
    } finally {
      await bus.close();
    }
    await runOfTask('For this one');
    assert.equal((await listRuns()).filter((run) => run.spec.task === 'For the old one').length, 0);
  });

  it('an unknown sender gets the deny message and no run', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 99, from: stranger, text: 'Let me in' });
    // messages are handled in order: once Ada's next message has its run, the stranger's was handled
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Still there?' });
    await runOfTask('Still there?');
    assert.equal((await listRuns()).filter((run) => run.spec.task === 'Let me in').length, 0);
    assert.equal(repliesTo(99, denyMessage).length, 1);
  });

  it('a reply the service refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(telegram);
    const run = await runOfTask('Still there?');
    telegram.failNext('sendMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await completeRun(run, 'Yes');
    assert.equal(await countReplies(42, 'Yes'), 1);
    assert.equal(telegram.faultsServed('sendMessage'), 2);
    assert.equal((await replyDelivered(run)).message, 'Delivered to telegram in 1 message (3 attempts).');
  });

  it('a reply the service refuses for good is counted on /metrics, not retried, and shows on its run', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Are you there?' });
    const run = await runOfTask('Are you there?');
    const refusedBefore = telegram.faultsServed('sendMessage');
    telegram.failNext('sendMessage', { status: 403 });
    await completeRun(run, 'Blocked reply');
    const metrics = await eventually('the refused reply on /metrics', async () => {
      const text = await (await fetch(`${healthUrl}/metrics`)).text();
      return /k8sclaw_channel_replies_total\{outcome="refused"\} 1\b/.test(text) ? text : undefined;
    });
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="delivered"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="retried"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_messages_total\{outcome="denied"\} 1\b/);
    await sleep(1000);
    assert.equal(telegram.faultsServed('sendMessage'), refusedBefore + 1);
    assert.equal(repliesTo(42, 'Blocked reply').length, 0);
    const refused = await replyDelivered(run);
    assert.equal(refused.status, 'False');
    assert.equal(refused.reason, 'Refused');
    assert.match(refused.message, /^telegram refused the reply for good after 0 messages it took: .*403/);
    assert.doesNotMatch(refused.message, new RegExp(token));
    const warning = await eventually('the ReplyRefused Event', async () =>
      (await eventsOf(run)).find((event) => event.reason === 'ReplyRefused'),
    );
    assert.equal(warning.type, 'Warning');
    assert.equal(warning.message, refused.message);
    assert.ok(server);
    const apiMetrics = await (await fetch(`${server.healthUrl}/metrics`)).text();
    assert.match(
      apiMetrics,
      /k8sclaw_channel_reply_receipts_total\{channel="telegram",outcome="refused"\} 1\b/,
    );
    assert.match(
      apiMetrics,
      /k8sclaw_channel_reply_receipts_total\{channel="telegram",outcome="delivered"\} 2\b/,
    );
  });

  it('a reply the service keeps failing is given up on its last delivery from the bus, and shows on its run', async () => {
    assert.ok(telegram);
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Is the line bad?' });
    const run = await runOfTask('Is the line bad?');
    // five attempts on each of the two deliveries the channel makes, then one more that would succeed
    const before = telegram.faultsServed('sendMessage');
    telegram.failNext('sendMessage', ...Array.from({ length: 10 }, () => ({ status: 500 as const })));
    await completeRun(run, 'Bad line');
    const undeliverable = await replyDelivered(run);
    assert.equal(undeliverable.status, 'False');
    assert.equal(undeliverable.reason, 'Undeliverable');
    assert.match(
      undeliverable.message,
      /^Not delivered to telegram after 2 deliveries from the event bus \(0 messages taken\): .*500/,
    );
    assert.equal(telegram.faultsServed('sendMessage'), before + 10);
    assert.equal(repliesTo(42, 'Bad line').length, 0);
    const warning = await eventually('the ReplyUndeliverable Event', async () =>
      (await eventsOf(run)).find((event) => event.reason === 'ReplyUndeliverable'),
    );
    assert.equal(warning.type, 'Warning');
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(telegram && channel);
    telegram.pushMessage({ chatId: 42, from: ada, text: 'Remember tea' });
    const run = await runOfTask('Remember tea');
    await channel.crash();
    await completeRun(run, 'Noted: tea');
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo(42, 'Noted: tea').length, 0);
    channel.start();
    await channel.waitUntilReady(httpOkProbe(`${healthUrl}/readyz`), 30_000);
    assert.equal(await countReplies(42, 'Noted: tea'), 1);
    assert.equal((await listRuns()).filter((item) => item.spec.task === 'Remember tea').length, 1);
  });

  it('a receipt for another run of the same name is dropped; one without a run name finds its run by uid', async () => {
    assert.ok(nats);
    const run = await runOfTask('For this one');
    const identity = { namespace: tenantNs, instance: instanceName, channel: 'telegram' as const };
    const bus = await connectEventBus({
      url: nats.url,
      name: 'receipts',
      credentials: await issueUserCredentials(authority, {
        name: 'receipts',
        permissions: channelPermissions(identity),
      }),
      inboxPrefix: buildChannelInboxPrefix(identity),
      connectTimeoutMs: 10_000,
    });
    const receipt = (id: string, outcome: 'delivered' | 'refused', runName?: string) => ({
      id,
      ...(runName ? { run: runName } : {}),
      ...identity,
      outcome,
      ...(outcome === 'refused' ? { reason: 'Telegram refused a reply: 403 Forbidden' } : {}),
      parts: outcome === 'delivered' ? 1 : 0,
      attempts: 1,
      deliveries: 1,
      at: new Date().toISOString(),
    });
    try {
      // the name of a run deleted long ago, and this run's name with an earlier run's uid
      await bus.publishChannelReceipt(identity, receipt('uid-of-a-deleted-run', 'refused', 'claw-gone'));
      await bus.publishChannelReceipt(
        identity,
        receipt('uid-of-an-earlier-run', 'refused', run.metadata.name),
      );
      // one consumer handles receipts in order: once this one shows, the two before it were handled
      await bus.publishChannelReceipt(identity, receipt(run.metadata.uid ?? '', 'delivered'));
    } finally {
      await bus.close();
    }
    const condition = await replyDelivered(run);
    assert.deepEqual(
      { status: condition.status, reason: condition.reason },
      { status: 'True', reason: 'Delivered' },
    );
    await eventually('the ReplyDelivered Event', async () =>
      (await eventsOf(run)).some((event) => event.reason === 'ReplyDelivered') ? true : undefined,
    );
    assert.deepEqual(
      (await eventsOf(run)).map((event) => event.reason),
      ['ReplyDelivered'],
    );
  });

  it('a run without a chat of its own posts into a chat the instance names, exactly once', async () => {
    const run = await createScheduledRun('claw-morning-report', 'Post the morning report');
    assert.equal(run.spec.sessionKey, undefined);
    const event = channelMessageEvent(run, 2, teamChat, 'Morning report, all backups green');
    // the bridge publishing it again (after a restart), and the same message handed to the API
    // server again under another event id (as a redelivery would hand it on): one message in the chat
    await publishAsBridge(run, [event, event, { ...event, id: 'e2-again' }]);
    assert.equal(await countReplies(Number(teamChat), 'Morning report, all backups green'), 1);
    const [sent] = repliesTo(Number(teamChat), 'Morning report, all backups green');
    assert.equal(sent?.params.reply_parameters, undefined, 'a message of its own, not a reply');
  });

  it('a run’s message for a chat the instance does not name is not sent', async () => {
    assert.ok(telegram);
    const run = await createScheduledRun('claw-stray-report', 'Post somewhere else');
    await publishAsBridge(run, [
      channelMessageEvent(run, 1, '77', 'Not for this chat'),
      // events are handled in order: once the next one arrived, the refused one was handled
      channelMessageEvent(run, 2, teamChat, 'Only for the team'),
    ]);
    assert.equal(await countReplies(Number(teamChat), 'Only for the team'), 1);
    assert.equal(
      telegram.sentMessages().filter((call) => call.params.text === 'Not for this chat').length,
      0,
    );
  });
});
