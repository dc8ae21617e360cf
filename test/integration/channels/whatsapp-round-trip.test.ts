// A WhatsApp chat through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, started with the environment the controller's channel Deployment sets and
// the channel's own bus credentials) serves the webhook the Cloud API fake posts to, signed as Meta
// signs; the API server binary turns each chat message into an AgentRun over a real nats-server,
// and records the run's completion (published here as the run's IPC bridge would, with the run's
// credentials) into a real PostgreSQL and sends the reply back to the channel, which sends it to
// the same number through the fake's Graph API.
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
import { startWhatsAppFake, type WhatsAppFake } from '../../fakes/whatsapp/index.ts';
import { instanceManifest } from '../../fixtures/k8sclaw-objects.ts';
import { startApiServerProcess, type ApiServerProcess } from '../../harness/api-server-process.ts';
import { repoRoot } from '../../harness/binaries.ts';
import { ensureBusStreamsAsController } from '../../harness/bus-streams.ts';
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

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const instanceName = 'claw';
const accessToken = 'EAAG-CHANNEL-test-token';
const phoneNumberId = '106540352242922';
const appSecret = 'channel-app-secret';
const verifyToken = 'channel-verify-token';
const ada = { from: '4915112345678', name: 'Ada' };
const stranger = { from: '4479460000000', name: 'Mallory' };
const denyMessage = 'Sorry, this bot is private.';

describe('a WhatsApp chat through the channel program and the API server', () => {
  const kube = integrationKubeClient();
  let authority: BusAuthority;
  let nats: NatsServer | undefined;
  let postgres: PostgresServer | undefined;
  let whatsapp: WhatsAppFake | undefined;
  let dir = '';
  let systemNs = '';
  let tenantNs = '';
  let identity: ApiServerIdentity | undefined;
  let server: ApiServerProcess | undefined;
  let channel: ManagedProcess | undefined;
  let healthUrl = '';
  let webhookPort = 0;
  let instance: ClawInstance;
  let tenantToken = '';

  before(async () => {
    await installCrds(kube);
    authority = await createBusAuthority();
    nats = await startNatsServer({ authority });
    postgres = await startPostgres();
    const databaseUrl = await createDatabase(postgres, 'channels_whatsapp');
    webhookPort = await findFreePort();
    whatsapp = await startWhatsAppFake({
      accessToken,
      phoneNumberId,
      appSecret,
      verifyToken,
      webhookUrl: `http://127.0.0.1:${webhookPort}/`,
      // Meta keeps posting for days; half a second apart covers a channel restart here
      webhookRetryDelayMs: 500,
    });
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
              type: 'whatsapp',
              secretRef: { name: 'claw-whatsapp' },
              accessControl: { allowedSenders: [ada.from], denyMessage },
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
    // what Meta does when the webhook URL is saved in the app's dashboard
    assert.deepEqual(await whatsapp.verifyWebhook(), { status: 200, ok: true });
  });
  after(async () => {
    await channel?.stop();
    await server?.stop();
    await identity?.remove();
    await whatsapp?.close();
    await nats?.destroy();
    await postgres?.stop();
    for (const namespace of [systemNs, tenantNs]) if (namespace) await deleteTestNamespace(kube, namespace);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /**
   * The channel program with the environment the controller's Deployment gives it: the values of
   * buildChannelDeployment's env, the keys its Secret holds, and its bus credentials as a file.
   */
  async function startChannelProcess(): Promise<ManagedProcess> {
    assert.ok(nats && whatsapp);
    const spec = instance.spec.channels?.[0];
    assert.ok(spec);
    const deployment = buildChannelDeployment(instance, spec, {
      image: 'channel-whatsapp',
      eventBusUrl: nats.url,
      busCredentialsSecretName: 'claw-channel-whatsapp-bus',
    });
    const credentialsFile = path.join(dir, 'bus.creds');
    await writeFile(
      credentialsFile,
      await issueUserCredentials(authority, {
        name: `channel/${tenantNs}/${instanceName}/whatsapp`,
        permissions: channelPermissions({ namespace: tenantNs, instance: instanceName, channel: 'whatsapp' }),
      }),
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = {};
    const secret: Record<string, string> = {
      WHATSAPP_ACCESS_TOKEN: accessToken,
      WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
      WHATSAPP_VERIFY_TOKEN: verifyToken,
      WHATSAPP_APP_SECRET: appSecret,
      K8SCLAW_WHATSAPP_API_URL: whatsapp.apiUrl,
    };
    for (const variable of deployment.spec.template.spec.containers[0]?.env ?? []) {
      if (variable.value !== undefined) env[variable.name] = variable.value;
      // the Secret's keys, as the Deployment names them
      const key = variable.valueFrom?.secretKeyRef?.key;
      if (key !== undefined && secret[key] !== undefined) env[variable.name] = secret[key];
    }
    assert.equal(env.K8SCLAW_BUS_CREDENTIALS_FILE, '/var/run/k8sclaw/bus/bus.creds');
    assert.deepEqual(
      Object.keys(secret).sort(),
      Object.keys(secret)
        .filter((key) => key in env)
        .sort(),
    );
    const healthPort = await findFreePort();
    healthUrl = `http://127.0.0.1:${healthPort}`;
    const proc = new ManagedProcess({
      name: 'channel-whatsapp',
      command: process.execPath,
      args: [path.join(repoRoot, 'src', 'cmd', 'channel.ts')],
      logFile: path.join(dir, 'channel.log'),
      env: {
        PATH: process.env.PATH,
        ...env,
        K8SCLAW_BUS_CREDENTIALS_FILE: credentialsFile,
        K8SCLAW_WEBHOOK_PORT: String(webhookPort),
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

  function repliesTo(to: string, text: string) {
    assert.ok(whatsapp);
    return whatsapp
      .sentMessages()
      .filter((call) => call.body.to === to && (call.body.text as { body?: string }).body === text);
  }

  /** Waits for a reply, then a while longer, and says how often it was sent. */
  async function countReplies(to: string, text: string): Promise<number> {
    await eventually(`the reply "${text}" to ${to}`, async () =>
      repliesTo(to, text).length > 0 ? true : undefined,
    );
    // long enough for a second copy (a redelivery, a retry) to show
    await sleep(1500);
    return repliesTo(to, text).length;
  }

  async function sessionTurns(): Promise<{ role: string; content: string }[]> {
    assert.ok(server);
    const messages = await callApi(
      server.url,
      'GET',
      `/api/v1/namespaces/${tenantNs}/instances/${instanceName}/sessions/${encodeURIComponent(`whatsapp:${ada.from}`)}/messages`,
      { token: tenantToken },
    );
    assert.equal(messages.status, 200);
    return (messages.body.items as { role: string; content: string }[]).map(({ role, content }) => ({
      role,
      content,
    }));
  }

  it('a message becomes a run of the number’s session, and its reply quotes it, once', async () => {
    assert.ok(whatsapp);
    const { wamid, status } = await whatsapp.sendMessage({ ...ada, text: 'Hello, who are you?' });
    assert.equal(status, 200);
    const run = await runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, `whatsapp:${ada.from}`);
    await eventually('the typing indicator', async () =>
      whatsapp?.typingIndicators().some((call) => call.body.message_id === wamid) ? true : undefined,
    );
    await completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
    assert.equal(await countReplies(ada.from, 'I am *Claw*. Nice to meet you, Ada!'), 1);
    const [reply] = repliesTo(ada.from, 'I am *Claw*. Nice to meet you, Ada!');
    assert.deepEqual(reply?.body.context, { message_id: wamid });
    assert.deepEqual(reply?.body.text, { body: 'I am *Claw*. Nice to meet you, Ada!', preview_url: false });
    assert.deepEqual(await sessionTurns(), [
      { role: 'user', content: 'Hello, who are you?' },
      { role: 'assistant', content: 'I am **Claw**. Nice to meet you, Ada!' },
    ]);
  });

  it('a second message continues the same session', async () => {
    assert.ok(whatsapp);
    const { wamid } = await whatsapp.sendMessage({ ...ada, text: 'What did I ask you?' });
    const run = await runOfTask('What did I ask you?');
    assert.equal(run.spec.sessionKey, `whatsapp:${ada.from}`);
    await completeRun(run, 'Who I am.');
    assert.equal(await countReplies(ada.from, 'Who I am.'), 1);
    assert.deepEqual(repliesTo(ada.from, 'Who I am.')[0]?.body.context, { message_id: wamid });
    assert.deepEqual((await sessionTurns()).slice(2), [
      { role: 'user', content: 'What did I ask you?' },
      { role: 'assistant', content: 'Who I am.' },
    ]);
  });

  it('an unknown sender gets the deny message and no run', async () => {
    assert.ok(whatsapp);
    const { wamid, status } = await whatsapp.sendMessage({ ...stranger, text: 'Let me in' });
    assert.equal(status, 200);
    // the webhook answered only after the message was handled: Ada's next one comes after it
    await whatsapp.sendMessage({ ...ada, text: 'Still there?' });
    await runOfTask('Still there?');
    assert.equal(await runsOfTask('Let me in'), 0);
    const denied = repliesTo(stranger.from, denyMessage);
    assert.equal(denied.length, 1);
    assert.deepEqual(denied[0]?.body.context, { message_id: wamid });
  });

  it('a post with a forged signature is refused with 401 and becomes no run', async () => {
    assert.ok(whatsapp);
    const forged = await whatsapp.sendMessage({ ...ada, text: 'Forged hello' }, { forge: 'signature' });
    assert.equal(forged.status, 401);
    const unsigned = await whatsapp.sendMessage(
      { ...ada, text: 'Forged hello' },
      { forge: 'missing-signature' },
    );
    assert.equal(unsigned.status, 401);
    await whatsapp.sendMessage({ ...ada, text: 'After the forgery' });
    await runOfTask('After the forgery');
    assert.equal(await runsOfTask('Forged hello'), 0);
  });

  it('Meta posting the same message again makes no second run', async () => {
    assert.ok(whatsapp);
    const { wamid } = await whatsapp.sendMessage({ ...ada, text: 'Only once, please' });
    await runOfTask('Only once, please');
    assert.equal(await whatsapp.redeliver(wamid), 200);
    await whatsapp.sendMessage({ ...ada, text: 'And after that' });
    await runOfTask('And after that');
    assert.equal(await runsOfTask('Only once, please'), 1);
  });

  it('a reply the service refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(whatsapp);
    const run = await runOfTask('Still there?');
    whatsapp.failNext('messages', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await completeRun(run, 'Yes');
    assert.equal(await countReplies(ada.from, 'Yes'), 1);
    assert.equal(whatsapp.faultsServed('messages'), 2);
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(whatsapp && channel);
    await whatsapp.sendMessage({ ...ada, text: 'Remember tea' });
    const run = await runOfTask('Remember tea');
    await channel.crash();
    await completeRun(run, 'Noted: tea');
    // a message sent while no channel runs: Meta posts it again until the webhook takes it
    const { status } = await whatsapp.sendMessage({ ...ada, text: 'Are you back?' });
    assert.equal(status, 0);
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo(ada.from, 'Noted: tea').length, 0);
    channel.start();
    await channel.waitUntilReady(httpOkProbe(`${healthUrl}/readyz`), 30_000);
    assert.equal(await countReplies(ada.from, 'Noted: tea'), 1);
    assert.equal(await runsOfTask('Remember tea'), 1);
    await runOfTask('Are you back?');
    assert.equal(await runsOfTask('Are you back?'), 1);
  });
});
