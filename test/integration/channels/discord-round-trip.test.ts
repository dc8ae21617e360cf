// A Discord chat through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, real discord.js, started with the environment the controller's channel
// Deployment sets and the channel's own bus credentials) connects to the Discord fake's Gateway
// and REST API; the API server binary turns each chat message into an AgentRun over a real
// nats-server, and records the run's completion (published here as the run's IPC bridge would, with
// the run's credentials) into a real PostgreSQL and sends the reply back to the channel, which
// creates it in the same channel or thread.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, ClawInstance } from '../../../src/api/index.ts';
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
import { startDiscordFake, type DiscordFake } from '../../fakes/discord/index.ts';
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
const token = 'MTAxNTQ.CHANNEL-test.token';
const ada = { id: '100000000000000042', username: 'ada', globalName: 'Ada' };
const stranger = { id: '100000000000000099', username: 'mallory', globalName: 'Mallory' };
/** The DM channels of Ada and of the stranger with the bot. */
const adaDm = '800000000000000042';
const strangerDm = '800000000000000099';
const denyMessage = 'Sorry, this bot is private.';

describe('a Discord chat through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let postgres: PostgresServer | undefined;
  let discord: DiscordFake | undefined;
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
    const databaseUrl = await createDatabase(postgres, 'channels_discord');
    discord = await startDiscordFake({ token });
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
              type: 'discord',
              secretRef: { name: 'claw-discord' },
              accessControl: { allowedSenders: ['ada'], denyMessage },
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
    await discord?.close();
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
    assert.ok(nats && discord);
    const spec = instance.spec.channels?.[0];
    assert.ok(spec);
    const deployment = buildChannelDeployment(instance, spec, {
      image: 'channel-discord',
      eventBusUrl: nats.url,
      busCredentialsSecretName: 'claw-channel-discord-bus',
    });
    const credentialsFile = path.join(dir, 'bus.creds');
    await writeFile(
      credentialsFile,
      await issueUserCredentials(authority, {
        name: `channel/${tenantNs}/${instanceName}/discord`,
        permissions: channelPermissions({ namespace: tenantNs, instance: instanceName, channel: 'discord' }),
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
      name: 'channel-discord',
      command: process.execPath,
      args: [path.join(repoRoot, 'src', 'cmd', 'channel.ts')],
      logFile: path.join(dir, 'channel.log'),
      env: {
        PATH: process.env.PATH,
        ...env,
        DISCORD_BOT_TOKEN: token,
        K8SCLAW_BUS_CREDENTIALS_FILE: credentialsFile,
        K8SCLAW_DISCORD_API_URL: discord.apiUrl,
        K8SCLAW_HEALTH_PORT: String(healthPort),
        K8SCLAW_CHANNEL_RETRY_DELAY_MS: '200',
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

  /** The run's IPC bridge: publishes the run's completion with the run's own credentials. */
  async function completeRun(run: AgentRun, response: string): Promise<void> {
    assert.ok(nats);
    const runIdentity = {
      namespace: tenantNs,
      instance: instanceName,
      run: run.metadata.name,
      runUid: run.metadata.uid ?? '',
    };
    const bridge = await connectAsBridge(
      nats.url,
      await issueUserCredentials(authority, {
        name: 'bridge',
        permissions: runBridgePermissions(runIdentity),
      }),
      runIdentity,
    );
    try {
      // seq 1: a completion with no earlier events, recorded at once
      await bridge.publishRunEvent({ ...buildCompletedEvent(runIdentity, { response }), seq: 1 });
    } finally {
      await bridge.close();
    }
  }

  /** The messages the bot created in this channel (or thread) with this text. */
  function repliesTo(channelId: string, text: string) {
    assert.ok(discord);
    return discord
      .sentMessages()
      .filter((call) => call.path === `/channels/${channelId}/messages` && call.body?.content === text);
  }

  /** Waits for a reply, then a while longer, and says how often it was sent. */
  async function countReplies(channelId: string, text: string): Promise<number> {
    await eventually(`the reply "${text}" in channel ${channelId}`, async () =>
      repliesTo(channelId, text).length > 0 ? true : undefined,
    );
    // long enough for a second copy (a redelivery, a retry) to show
    await sleep(1500);
    return repliesTo(channelId, text).length;
  }

  it('a mention in a thread becomes a run of the thread’s session, and its reply comes back into the thread once', async () => {
    assert.ok(discord);
    const { guild, bot } = discord;
    const { messageId } = discord.pushMessage({
      channelId: guild.threadId,
      author: ada,
      content: `<@${bot.id}> Hello, who are you?`,
    });
    const run = await runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, `discord:${guild.channelId}:${guild.threadId}`);
    await eventually('the typing indicator', async () =>
      discord?.calls.some(
        (call) =>
          call.method === 'triggerTypingIndicator' && call.path === `/channels/${guild.threadId}/typing`,
      )
        ? true
        : undefined,
    );
    await completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies(guild.threadId, 'I am **Claw**. Nice to meet you, Ada!'), 1);
    const [reply] = repliesTo(guild.threadId, 'I am **Claw**. Nice to meet you, Ada!');
    assert.deepEqual(reply?.body?.message_reference, { message_id: messageId, fail_if_not_exists: false });
    assert.deepEqual(reply?.body?.allowed_mentions, { parse: [] });
    assert.equal(repliesTo(guild.channelId, 'I am **Claw**. Nice to meet you, Ada!').length, 0);
  });

  it('a reply to the bot in the thread continues the thread’s session', async () => {
    assert.ok(discord && server);
    const { guild, bot } = discord;
    const [botMessage] = repliesTo(guild.threadId, 'I am **Claw**. Nice to meet you, Ada!');
    assert.ok(botMessage?.message);
    discord.pushMessage({
      channelId: guild.threadId,
      author: ada,
      content: 'What can you do?',
      replyTo: { messageId: String(botMessage.message.id), author: bot },
    });
    const run = await runOfTask('What can you do?');
    const sessionKey = `discord:${guild.channelId}:${guild.threadId}`;
    assert.equal(run.spec.sessionKey, sessionKey);
    await completeRun(run, 'Answer questions.');
    assert.equal(await countReplies(guild.threadId, 'Answer questions.'), 1);
    const messages = await eventually('both turns in the session', async () => {
      const response = await callApi(
        server?.url ?? '',
        'GET',
        `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/sessions/${encodeURIComponent(sessionKey)}/messages`,
        { token: tenantToken },
      );
      const items = (response.body.items ?? []) as { role: string; content: string }[];
      return response.status === 200 && items.length === 4 ? items : undefined;
    });
    assert.deepEqual(
      messages.map(({ role, content }) => ({ role, content })),
      [
        { role: 'user', content: 'Hello, who are you?' },
        { role: 'assistant', content: 'I am **Claw**. Nice to meet you, Ada!' },
        { role: 'user', content: 'What can you do?' },
        { role: 'assistant', content: 'Answer questions.' },
      ],
    );
  });

  it('a message for an instance of the same name but another uid becomes no run', async () => {
    assert.ok(nats);
    const identity = { namespace: tenantNs, instance: instanceName, channel: 'discord' as const };
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
      channel: 'discord' as const,
      namespace: tenantNs,
      instance: instanceName,
      instanceUid,
      chat: { chatId: adaDm },
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
    assert.ok(discord);
    discord.pushMessage({ channelId: strangerDm, author: stranger, content: 'Let me in' });
    // messages are handled in order: once Ada's next message has its run, the stranger's was handled
    discord.pushMessage({ channelId: adaDm, author: ada, content: 'Still there?' });
    const run = await runOfTask('Still there?');
    assert.equal(run.spec.sessionKey, `discord:${adaDm}`);
    assert.equal((await listRuns()).filter((item) => item.spec.task === 'Let me in').length, 0);
    assert.equal(repliesTo(strangerDm, denyMessage).length, 1);
  });

  it('a reply the service refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(discord);
    const run = await runOfTask('Still there?');
    discord.failNext('createMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await completeRun(run, 'Yes');
    assert.equal(await countReplies(adaDm, 'Yes'), 1);
    assert.equal(discord.faultsServed('createMessage'), 2);
  });

  it('a reply the service refuses for good is counted on /metrics, not retried', async () => {
    assert.ok(discord);
    discord.pushMessage({ channelId: adaDm, author: ada, content: 'Are you there?' });
    const run = await runOfTask('Are you there?');
    const refusedBefore = discord.faultsServed('createMessage');
    discord.failNext('createMessage', { status: 403 });
    await completeRun(run, 'Blocked reply');
    const metrics = await eventually('the refused reply on /metrics', async () => {
      const text = await (await fetch(`${healthUrl}/metrics`)).text();
      return /k8sclaw_channel_replies_total\{outcome="refused"\} 1\b/.test(text) ? text : undefined;
    });
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="delivered"\} 3\b/);
    assert.match(metrics, /k8sclaw_channel_replies_total\{outcome="retried"\} 2\b/);
    assert.match(metrics, /k8sclaw_channel_messages_total\{outcome="denied"\} 1\b/);
    await sleep(1000);
    assert.equal(discord.faultsServed('createMessage'), refusedBefore + 1);
    assert.equal(repliesTo(adaDm, 'Blocked reply').length, 0);
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(discord && channel);
    discord.pushMessage({ channelId: adaDm, author: ada, content: 'Remember tea' });
    const run = await runOfTask('Remember tea');
    await channel.crash();
    await completeRun(run, 'Noted: tea');
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo(adaDm, 'Noted: tea').length, 0);
    channel.start();
    await channel.waitUntilReady(httpOkProbe(`${healthUrl}/readyz`), 30_000);
    assert.equal(await countReplies(adaDm, 'Noted: tea'), 1);
    assert.equal((await listRuns()).filter((item) => item.spec.task === 'Remember tea').length, 1);
    // the new process identified a new Gateway session: nothing came again from Discord
    assert.equal(discord.gatewayEvents().filter((event) => event.kind === 'identify').length, 2);
  });
});
