// Chat channels on the local cluster: after `k8sclaw install --profile local`, an instance with a
// channel whose chat service is a stand-in running in the test namespace (test/fakes/<service>,
// image chat-fakes). The channel pod is the controller's Deployment on the channel image, with the
// bus credentials the controller signed for it; each message a person sends becomes an AgentRun of
// the chat's session, a real agent pod answers from the scripted model, and the reply comes back
// into the same chat through the channel pod, exactly once, also when the service refuses it twice
// first and when the channel pod is killed while the run works. The second message of a chat
// continues its session: the prompt the scripted model logs holds the first turn.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import type { AgentRun, ChannelType, ClawInstance } from '../../src/api/index.ts';
import type { ModelScript } from '../fakes/model-server/index.ts';
import { instanceManifest } from '../fixtures/k8sclaw-objects.ts';
import { deployChatStandIn, type ChatStandInInCluster } from '../harness/chat-stand-in-in-cluster.ts';
import { runCli } from '../harness/cli.ts';
import { e2eKubeClient } from '../harness/e2e.ts';
import { eventually } from '../harness/eventually.ts';
import { kubectl } from '../harness/kubectl.ts';
import { deployScriptedModel, modelPrompts } from '../harness/scripted-model-in-cluster.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';

const kubeconfig = process.env.KUBECONFIG ?? '';
const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const denyMessage = 'Sorry, this bot is private';
// the scripted model answers by how many assistant turns the request already carries: one chat's
// turns get these in order (plain words: every service shows them as written)
const replies = [
  'Hello from Claw',
  'You said hello before',
  'Third answer',
  'Fourth answer',
  'Fifth answer',
  'Sixth answer',
];
const script: ModelScript = { conversations: [{ turns: replies.map((text) => ({ text })) }] };

/** How a test speaks to one chat service's stand-in and reads what the bot sent. */
interface ChannelDriver {
  type: ChannelType;
  /** The stand-in's own settings (the token it accepts), given the channel's Service URL. */
  standInEnv(channelUrl: string): Record<string, string>;
  /** The keys of the channel's Secret, given the stand-in's URL inside the cluster. */
  secret(standInUrl: string): Record<string, string>;
  /** The accessControl entry that lets the person in. */
  allowedSender: string;
  /** The control API body of a message from the person (or a stranger). */
  message(text: string, from?: 'person' | 'stranger'): unknown;
  /** The session key of the person's chat. */
  sessionKey: string;
  /** The texts the bot sent into the person's (or the stranger's) chat, in order. */
  sentTexts(calls: Record<string, unknown>[], to?: 'person' | 'stranger'): string[];
  /** The method whose failures delay a reply. */
  replyMethod: string;
  /** For services that sign what they post: the control API query that forges the signature. */
  forgeQuery?: string;
}

const telegram: ChannelDriver = {
  type: 'telegram',
  standInEnv: () => ({ TELEGRAM_BOT_TOKEN: '424242:E2E-telegram-token' }),
  secret: (url) => ({ TELEGRAM_BOT_TOKEN: '424242:E2E-telegram-token', K8SCLAW_TELEGRAM_API_ROOT: url }),
  allowedSender: 'ada',
  message: (text, from = 'person') => ({
    chatId: from === 'person' ? 42 : 99,
    from: from === 'person' ? { id: 42, username: 'ada', firstName: 'Ada' } : { id: 99, username: 'mallory' },
    text,
  }),
  sessionKey: 'telegram:42',
  sentTexts: (calls, to = 'person') =>
    calls
      .filter((call) => call.method === 'sendMessage')
      .map((call) => call.params as { chat_id: unknown; text: string })
      .filter((params) => String(params.chat_id) === (to === 'person' ? '42' : '99'))
      .map((params) => params.text),
  replyMethod: 'sendMessage',
};

const whatsappSettings = {
  WHATSAPP_ACCESS_TOKEN: 'EAAG-e2e-whatsapp-token',
  WHATSAPP_PHONE_NUMBER_ID: '106540352242922',
  WHATSAPP_VERIFY_TOKEN: 'e2e-verify-token',
  WHATSAPP_APP_SECRET: 'e2e-app-secret',
};
const whatsappNumbers = { person: '15550004242', stranger: '15550009999' };
const whatsapp: ChannelDriver = {
  type: 'whatsapp',
  // the stand-in posts each message, signed, to the channel's webhook, as Meta does
  standInEnv: (channelUrl) => ({ ...whatsappSettings, WEBHOOK_URL: channelUrl }),
  secret: (url) => ({ ...whatsappSettings, K8SCLAW_WHATSAPP_API_URL: `${url}/v26.0` }),
  allowedSender: whatsappNumbers.person,
  message: (text, from = 'person') => ({ from: whatsappNumbers[from], name: from, text }),
  sessionKey: `whatsapp:${whatsappNumbers.person}`,
  sentTexts: (calls, to = 'person') =>
    calls
      .map((call) => call.body as { to?: string; type?: string; text?: { body: string } })
      .filter((body) => body.type === 'text' && body.to === whatsappNumbers[to])
      .map((body) => body.text?.body ?? ''),
  replyMethod: 'messages',
  forgeQuery: 'forge=signature',
};

const slackSettings = {
  SLACK_BOT_TOKEN: 'xoxb-e2e-slack-token',
  SLACK_SIGNING_SECRET: 'e2e-slack-signing-secret',
};
const slackChats = {
  person: { channel: 'D0ADA', user: 'U0ADA' },
  stranger: { channel: 'D0MAL', user: 'U0MAL' },
};
// the HTTP Events API (Socket Mode is tested on the host): Slack posts each event, signed, to the
// channel's Service
const slack: ChannelDriver = {
  type: 'slack',
  standInEnv: (channelUrl) => ({ ...slackSettings, WEBHOOK_URL: `${channelUrl}/slack/events` }),
  secret: (url) => ({ ...slackSettings, K8SCLAW_SLACK_API_URL: `${url}/api/` }),
  allowedSender: slackChats.person.user,
  message: (text, from = 'person') => ({ ...slackChats[from], text }),
  sessionKey: `slack:${slackChats.person.channel}`,
  sentTexts: (calls, to = 'person') =>
    calls
      // the stand-in records refused calls too
      .filter((call) => call.method === 'chat.postMessage' && call.ok === true)
      .map((call) => call.params as { channel?: string; text?: string })
      .filter((params) => params.channel === slackChats[to].channel)
      .map((params) => params.text ?? ''),
  replyMethod: 'chat.postMessage',
  forgeQuery: 'forge=signature',
};

const discordToken = 'MTAw.e2e.discord-token';
// direct messages: any channel id that is not the stand-in's guild's is a DM channel
const discordChats = {
  person: { channelId: '800000000000000042', author: { id: '4242', username: 'ada' } },
  stranger: { channelId: '800000000000000099', author: { id: '9999', username: 'mallory' } },
};
const discord: ChannelDriver = {
  type: 'discord',
  standInEnv: () => ({ DISCORD_BOT_TOKEN: discordToken }),
  secret: (url) => ({ DISCORD_BOT_TOKEN: discordToken, K8SCLAW_DISCORD_API_URL: `${url}/api` }),
  allowedSender: 'ada',
  message: (text, from = 'person') => ({ ...discordChats[from], content: text }),
  sessionKey: `discord:${discordChats.person.channelId}`,
  sentTexts: (calls, to = 'person') =>
    calls
      .filter(
        (call) =>
          call.method === 'createMessage' &&
          call.status === 200 &&
          call.path === `/channels/${discordChats[to].channelId}/messages`,
      )
      .map((call) => (call.body as { content?: string } | undefined)?.content ?? ''),
  replyMethod: 'createMessage',
};

describe('chat channels on the local cluster', () => {
  const kube = e2eKubeClient();
  let namespace = '';
  // one scripted model for every channel's instance
  let model: Awaited<ReturnType<typeof deployScriptedModel>> | undefined;

  before(async () => {
    const installed = await runCli(['install', '--profile', 'local']);
    assert.equal(installed.code, 0, installed.stderr);
    namespace = await createTestNamespace(kube, 'channels', { waitForDefaultServiceAccount: true });
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
    await runCli(['uninstall']);
  });

  for (const driver of [telegram, slack, discord, whatsapp]) {
    describe(driver.type, () => {
      const instanceName = `claw-${driver.type}`;
      let standIn: ChatStandInInCluster;
      // each run of the chat's session gets the next scripted reply: one turn at a time
      let turn = 0;
      const nextReply = () => replies[turn++] ?? assert.fail('the script has no more replies');

      const runs = async () =>
        (
          (await kube.customObjects.listNamespacedCustomObject({
            ...group,
            namespace,
            plural: 'agentruns',
          })) as { items: AgentRun[] }
        ).items.filter((run) => run.spec.instanceRef === instanceName);
      const runOf = async (task: string) =>
        await eventually(
          `the AgentRun of "${task}"`,
          async () => (await runs()).find((run) => run.spec.task === task),
          60_000,
        );
      /** Waits for `text` in the person's chat, then a while longer, and says how often it came. */
      const timesSent = async (text: string) => {
        await eventually(
          `"${text}" in the chat`,
          async () => (driver.sentTexts(await standIn.calls()).includes(text) ? true : undefined),
          180_000,
        );
        // long enough for a second copy (a redelivery, a retry) to show
        await sleep(3_000);
        return driver.sentTexts(await standIn.calls()).filter((sent) => sent === text).length;
      };

      before(async () => {
        model ??= await deployScriptedModel(kubeconfig, namespace, script);
        const channelUrl = `http://${instanceName}-channel-${driver.type}.${namespace}.svc`;
        standIn = await deployChatStandIn(
          kube,
          kubeconfig,
          namespace,
          driver.type,
          driver.standInEnv(channelUrl),
        );
        await kube.core.createNamespacedSecret({
          namespace,
          body: {
            metadata: { name: `${instanceName}-secret` },
            stringData: driver.secret(standIn.inClusterUrl),
          },
        });
        await kube.customObjects.createNamespacedCustomObject({
          ...group,
          namespace,
          plural: 'clawinstances',
          body: instanceManifest(
            instanceName,
            namespace,
            {
              provider: 'openai',
              model: 'gpt-4o-mini',
              baseURL: model.baseURL,
              authSecretRef: model.keySecret,
            },
            {
              channels: [
                {
                  type: driver.type,
                  secretRef: { name: `${instanceName}-secret` },
                  accessControl: { allowedSenders: [driver.allowedSender], denyMessage },
                },
              ],
            },
          ),
        });
      });

      it('runs the channel pod, which the instance reports Connected', async () => {
        const instance = await eventually(
          'the channel Connected',
          async () => {
            const current = (await kube.customObjects.getNamespacedCustomObject({
              ...group,
              namespace,
              plural: 'clawinstances',
              name: instanceName,
            })) as ClawInstance;
            return current.status?.channels?.[0]?.status === 'Connected' ? current : undefined;
          },
          120_000,
        );
        assert.equal(instance.status?.phase, 'Ready');
      });

      it('turns a message into a run of the chat’s session and replies in the chat once', async () => {
        await standIn.pushMessage(driver.message('Hello there'));
        const run = await runOf('Hello there');
        assert.equal(run.spec.sessionKey, driver.sessionKey);
        assert.equal(await timesSent(nextReply()), 1);
      });

      it('continues the session with the chat’s next message', async () => {
        await standIn.pushMessage(driver.message('Do you remember me'));
        assert.equal((await runOf('Do you remember me')).spec.sessionKey, driver.sessionKey);
        assert.equal(await timesSent(nextReply()), 1);
        // the latest such prompt: every channel's chat says the same
        const prompt = (await modelPrompts(kubeconfig, namespace))
          .filter((messages) => messages.at(-1)?.text === 'Do you remember me')
          .at(-1);
        assert.deepEqual(
          prompt?.map(({ role, text }) => ({ role, text })),
          [
            { role: 'user', text: 'Hello there' },
            { role: 'assistant', text: replies[0] },
            { role: 'user', text: 'Do you remember me' },
          ],
        );
      });

      it('answers a stranger with the deny message and starts no run', async () => {
        await standIn.pushMessage(driver.message('Let me in', 'stranger'));
        await eventually(
          'the deny message',
          async () =>
            driver.sentTexts(await standIn.calls(), 'stranger').includes(denyMessage) ? true : undefined,
          60_000,
        );
        assert.equal((await runs()).filter((run) => run.spec.task === 'Let me in').length, 0);
      });

      if (driver.forgeQuery) {
        const forgeQuery = driver.forgeQuery;
        it('refuses a message with a forged signature (401) and starts no run', async () => {
          const answer = await standIn.pushMessage(driver.message('Forged hello'), forgeQuery);
          assert.equal(answer.status, 401);
          // the next genuine message has its run: the forged one would have had its own by then
          await standIn.pushMessage(driver.message('Genuine hello'));
          await runOf('Genuine hello');
          assert.equal(await timesSent(nextReply()), 1);
          assert.equal((await runs()).filter((run) => run.spec.task === 'Forged hello').length, 0);
        });
      }

      it('delivers a reply the service refused twice exactly once', async () => {
        await standIn.failNext(driver.replyMethod, [{ status: 429, retryAfterSeconds: 1 }, { status: 500 }]);
        await standIn.pushMessage(driver.message('Try again please'));
        await runOf('Try again please');
        assert.equal(await timesSent(nextReply()), 1);
      });

      it('delivers the reply once when the channel pod is killed while the run works', async () => {
        const selector = `app.kubernetes.io/component=channel,k8sclaw.io/instance=${instanceName}`;
        const podsBefore = await kubectl(
          kubeconfig,
          '-n',
          namespace,
          'get',
          'pods',
          '-l',
          selector,
          '-o',
          'name',
        );
        await standIn.pushMessage(driver.message('Are you still there'));
        await runOf('Are you still there');
        await kubectl(kubeconfig, '-n', namespace, 'delete', 'pod', '-l', selector, '--wait=false');
        assert.equal(await timesSent(nextReply()), 1);
        const podsAfter = await kubectl(
          kubeconfig,
          '-n',
          namespace,
          'get',
          'pods',
          '-l',
          selector,
          '-o',
          'name',
        );
        assert.notEqual(podsAfter.trim(), podsBefore.trim(), 'the channel pod was replaced');
      });
    });
  }
});
