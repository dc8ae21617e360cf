// A Slack workspace through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, real Bolt, started with the environment the controller's channel Deployment
// sets and the channel's own bus credentials) talks to the Slack fake, first in Socket Mode, then
// with the HTTP Events API; the API server binary turns each chat message into an AgentRun over a
// real nats-server, records the run's completion (published here as the run's IPC bridge would,
// with the run's credentials) into a real PostgreSQL and sends the reply back to the channel, which
// posts it into the same conversation and thread.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, ClawInstance } from '../../../src/api/index.ts';
import {
  accountSignerOf,
  channelPermissions,
  createBusAuthority,
  issueUserCredentials,
  runBridgePermissions,
  type BusAuthority,
} from '../../../src/eventbus/index.ts';
import { buildChannelDeployment } from '../../../src/orchestrator/index.ts';
import { startSlackFake, type SlackFake } from '../../fakes/slack/index.ts';
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
const botToken = 'xoxb-channel-test';
const appToken = 'xapp-channel-test';
const signingSecret = 'channel-test-signing-secret';
const ada = 'U0ADA';
const stranger = 'U0MALLORY';
const denyMessage = 'Sorry, this bot is private.';

describe('a Slack workspace through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let postgres: PostgresServer | undefined;
  let slack: SlackFake | undefined;
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
    const databaseUrl = await createDatabase(postgres, 'channels_slack');
    slack = await startSlackFake({ botToken, appToken, signingSecret });
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-channel-'));
    await writeFile(path.join(dir, 'signer.json'), JSON.stringify(accountSignerOf(authority)), {
      mode: 0o600,
    });
    systemNs = await createTestNamespace(kube, 'channels');
    tenantNs = await createTestNamespace(kube, 'channels-tenant');
    tenantToken = await createServiceAccountToken(kube, tenantNs, 'ada');
    await grantInNamespace(kube, tenantNs, { namespace: tenantNs, name: 'ada' }, tenantRules);
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
              type: 'slack',
              secretRef: { name: 'claw-slack' },
              accessControl: { allowedSenders: [ada], denyMessage },
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
    channel = await startChannelProcess({ SLACK_APP_TOKEN: appToken });
  });
  after(async () => {
    await channel?.stop();
    await server?.stop();
    await identity?.remove();
    await slack?.close();
    await nats?.destroy();
    await postgres?.stop();
    for (const namespace of [systemNs, tenantNs]) if (namespace) await deleteTestNamespace(kube, namespace);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * The channel program with the environment the controller's Deployment gives it: the values of
   * buildChannelDeployment's env, the keys its Secret holds (`secrets`), and its bus credentials as
   * a file; `ports` stand in for the pod's (the webhook port is 8080 there, taken here).
   */
  async function startChannelProcess(
    secrets: NodeJS.ProcessEnv,
    ports: NodeJS.ProcessEnv = {},
  ): Promise<ManagedProcess> {
    assert.ok(nats && slack);
    const spec = instance.spec.channels?.[0];
    assert.ok(spec);
    const deployment = buildChannelDeployment(instance, spec, {
      image: 'channel-slack',
      eventBusUrl: nats.url,
      busCredentialsSecretName: 'claw-channel-slack-bus',
    });
    const credentialsFile = path.join(dir, 'bus.creds');
    await writeFile(
      credentialsFile,
      await issueUserCredentials(authority, {
        name: `channel/${tenantNs}/${instanceName}/slack`,
        permissions: channelPermissions({ namespace: tenantNs, instance: instanceName, channel: 'slack' }),
      }),
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = {};
    const fromSecret = new Set<string>();
    for (const variable of deployment.spec.template.spec.containers[0]?.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = variable.value;
      if (variable.valueFrom?.secretKeyRef) fromSecret.add(variable.name);
    }
    const secretData: NodeJS.ProcessEnv = {
      SLACK_BOT_TOKEN: botToken,
      K8SCLAW_SLACK_API_URL: slack.apiUrl,
      ...secrets,
    };
    // only what the Deployment takes from the Secret reaches the pod
    for (const key of Object.keys(secretData)) assert.ok(fromSecret.has(key), `${key} is a Secret key`);
    const healthPort = await findFreePort();
    healthUrl = `http://127.0.0.1:${healthPort}`;
    const proc = new ManagedProcess({
      name: 'channel-slack',
      command: process.execPath,
      args: [path.join(repoRoot, 'src', 'cmd', 'channel.ts')],
      logFile: path.join(dir, 'channel.log'),
      env: {
        PATH: process.env.PATH,
        ...env,
        ...secretData,
        ...ports,
        K8SCLAW_BUS_CREDENTIALS_FILE: credentialsFile,
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

  async function runsOfTask(task: string): Promise<number> {
    return (await listRuns()).filter((run) => run.spec.task === task).length;
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

  function repliesTo(channelId: string, text: string) {
    assert.ok(slack);
    return slack
      .sentMessages()
      .filter((call) => call.params.channel === channelId && call.params.text === text);
  }

  /** Waits for a reply, then a while longer, and says how often it was sent. */
  async function countReplies(channelId: string, text: string): Promise<number> {
    await eventually(`the reply "${text}" in ${channelId}`, async () =>
      repliesTo(channelId, text).length > 0 ? true : undefined,
    );
    // long enough for a second copy (a redelivery, a retry) to show
    await sleep(1500);
    return repliesTo(channelId, text).length;
  }

  it('a direct message becomes a run of the conversation’s session, and its reply comes back once', async () => {
    assert.ok(slack);
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Hello, who are you?' });
    const run = await runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, 'slack:D0ADA');
    await completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies('D0ADA', 'I am *Claw*. Nice to meet you, Ada!'), 1);
    const [reply] = repliesTo('D0ADA', 'I am *Claw*. Nice to meet you, Ada!');
    assert.equal(reply?.params.thread_ts, undefined);
    // the conversation is a session: the turn is stored there, for its next run to see
    assert.ok(server);
    const messages = await callApi(
      server.url,
      'GET',
      `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/sessions/${encodeURIComponent('slack:D0ADA')}/messages`,
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
    // and no acknowledgement was left owing
    await eventually('every envelope acknowledged', async () =>
      slack?.pending().length === 0 ? true : undefined,
    );
  });

  it('a mention in a channel is answered in a thread under it, and the thread continues that session', async () => {
    assert.ok(slack);
    const { ts } = slack.pushMessage({
      channel: 'C0GENERAL',
      user: ada,
      text: `<@${slack.bot.userId}> plan the offsite`,
      appMention: true,
    });
    const first = await runOfTask('plan the offsite');
    assert.equal(first.spec.sessionKey, `slack:C0GENERAL:${ts}`);
    await completeRun(first, 'Where to?');
    assert.equal(await countReplies('C0GENERAL', 'Where to?'), 1);
    assert.equal(repliesTo('C0GENERAL', 'Where to?')[0]?.params.thread_ts, ts);
    // a reply in the thread, without a mention
    slack.pushMessage({ channel: 'C0GENERAL', user: ada, text: 'the lake', threadTs: ts, parentUserId: ada });
    const second = await runOfTask('the lake');
    assert.equal(second.spec.sessionKey, first.spec.sessionKey);
    assert.equal(await runsOfTask('plan the offsite'), 1, 'message and app_mention made one run');
  });

  it('an unknown sender gets the deny message and no run', async () => {
    assert.ok(slack);
    slack.pushMessage({ channel: 'D0MALLORY', user: stranger, text: 'Let me in' });
    // messages are handled in order: once Ada's next message has its run, the stranger's was handled
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Still there?' });
    await runOfTask('Still there?');
    assert.equal(await runsOfTask('Let me in'), 0);
    assert.equal(repliesTo('D0MALLORY', denyMessage).length, 1);
  });

  it('a reply Slack refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(slack);
    const run = await runOfTask('Still there?');
    slack.failNext('chat.postMessage', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await completeRun(run, 'Yes');
    assert.equal(await countReplies('D0ADA', 'Yes'), 1);
    assert.equal(slack.faultsServed('chat.postMessage'), 2);
  });

  it('a reply Slack refuses for good is counted on /metrics, not retried', async () => {
    assert.ok(slack);
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Are you there?' });
    const run = await runOfTask('Are you there?');
    const refusedBefore = slack.faultsServed('chat.postMessage');
    slack.failNext('chat.postMessage', { error: 'not_in_channel' });
    await completeRun(run, 'Blocked reply');
    await eventually('the refused reply on /metrics', async () => {
      const text = await (await fetch(`${healthUrl}/metrics`)).text();
      return /k8sclaw_channel_replies_total\{outcome="refused"\} 1\b/.test(text) ? text : undefined;
    });
    await sleep(1000);
    assert.equal(slack.faultsServed('chat.postMessage'), refusedBefore + 1);
    assert.equal(repliesTo('D0ADA', 'Blocked reply').length, 0);
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(slack && channel);
    slack.pushMessage({ channel: 'D0ADA', user: ada, text: 'Remember tea' });
    const run = await runOfTask('Remember tea');
    await channel.crash();
    await completeRun(run, 'Noted: tea');
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo('D0ADA', 'Noted: tea').length, 0);
    channel.start();
    await channel.waitUntilReady(httpOkProbe(`${healthUrl}/readyz`), 30_000);
    assert.equal(await countReplies('D0ADA', 'Noted: tea'), 1);
    assert.equal(await runsOfTask('Remember tea'), 1);
  });

  describe('with the HTTP Events API instead of Socket Mode', () => {
    before(async () => {
      assert.ok(slack);
      await channel?.stop();
      const webhookPort = await findFreePort();
      slack.setEventsUrl(`http://127.0.0.1:${webhookPort}/slack/events`);
      channel = await startChannelProcess(
        { SLACK_SIGNING_SECRET: signingSecret },
        { K8SCLAW_WEBHOOK_PORT: String(webhookPort) },
      );
    });

    it('a signed event becomes a run, and its reply comes back once', async () => {
      assert.ok(slack);
      const { statuses } = await slack.postEvent({ channel: 'D0ADA', user: ada, text: 'Posted to you' });
      assert.deepEqual(statuses, [200]);
      const run = await runOfTask('Posted to you');
      assert.equal(run.spec.sessionKey, 'slack:D0ADA');
      await completeRun(run, 'Received');
      assert.equal(await countReplies('D0ADA', 'Received'), 1);
    });

    it('a forged signature gets 401 and no run', async () => {
      assert.ok(slack);
      const forged = await slack.postEvent(
        { channel: 'D0ADA', user: ada, text: 'Forged' },
        { sign: 'forged' },
      );
      assert.deepEqual(forged.statuses, [401]);
      // handled in order: once the next message has its run, the forged one would have had its own
      await slack.postEvent({ channel: 'D0ADA', user: ada, text: 'Genuine' });
      await runOfTask('Genuine');
      assert.equal(await runsOfTask('Forged'), 0);
    });

    it('a delivery Slack retries becomes one run', async () => {
      assert.ok(slack);
      const { statuses } = await slack.postEvent(
        { channel: 'D0ADA', user: ada, text: 'Retried' },
        { times: 3 },
      );
      assert.deepEqual(statuses, [200, 200, 200]);
      await runOfTask('Retried');
      await sleep(1000);
      assert.equal(await runsOfTask('Retried'), 1);
    });
  });
});
