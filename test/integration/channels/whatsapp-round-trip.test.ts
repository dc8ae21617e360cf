// A WhatsApp chat through K8sClaw on the host, over the real path: the channel program
// (src/cmd/channel.ts, started with the environment the controller's channel Deployment sets and
// the channel's own bus credentials) serves the webhook the Cloud API fake posts to, signed as Meta
// signs; the API server binary turns each chat message into an AgentRun over a real nats-server,
// and records the run's completion (published here as the run's IPC bridge would, with the run's
// credentials) into a real PostgreSQL and sends the reply back to the channel, which sends it to
// the same number through the fake's Graph API.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startWhatsAppFake, type WhatsAppFake } from '../../fakes/whatsapp/index.ts';
import { startChannelStack, type ChannelProcess, type ChannelStack } from '../../harness/channel-stack.ts';
import { countReplies as countSent } from '../../harness/count-replies.ts';
import { eventually } from '../../harness/eventually.ts';
import { findFreePort } from '../../harness/free-port.ts';
import { integrationKubeClient } from '../../harness/integration.ts';

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
  let whatsapp: WhatsAppFake | undefined;
  let stack: ChannelStack;
  let channel: ChannelProcess;

  before(async () => {
    const webhookPort = await findFreePort();
    whatsapp = await startWhatsAppFake({
      accessToken,
      phoneNumberId,
      appSecret,
      verifyToken,
      webhookUrl: `http://127.0.0.1:${webhookPort}/`,
      // Meta keeps posting for days; half a second apart covers a channel restart here
      webhookRetryDelayMs: 500,
    });
    stack = await startChannelStack({
      kube,
      name: 'channels',
      instanceName,
      channel: {
        type: 'whatsapp',
        secretRef: { name: 'claw-whatsapp' },
        accessControl: { allowedSenders: [ada.from], denyMessage },
      },
      logLevel: 'debug',
    });
    channel = await stack.startChannel({
      secrets: {
        WHATSAPP_ACCESS_TOKEN: accessToken,
        WHATSAPP_PHONE_NUMBER_ID: phoneNumberId,
        WHATSAPP_VERIFY_TOKEN: verifyToken,
        WHATSAPP_APP_SECRET: appSecret,
        K8SCLAW_WHATSAPP_API_URL: whatsapp.apiUrl,
      },
      env: { K8SCLAW_WEBHOOK_PORT: String(webhookPort) },
    });
    // what Meta does when the webhook URL is saved in the app's dashboard
    assert.deepEqual(await whatsapp.verifyWebhook(), { status: 200, ok: true });
  });
  after(async () => {
    await stack?.stop();
    await whatsapp?.close();
  });

  function repliesTo(to: string, text: string) {
    assert.ok(whatsapp);
    return whatsapp
      .sentMessages()
      .filter((call) => call.body.to === to && (call.body.text as { body?: string }).body === text);
  }

  /** Waits for the reply, then a while longer, and says how often it was sent. */
  async function countReplies(to: string, text: string): Promise<number> {
    return await countSent(`the reply "${text}" to ${to}`, () => repliesTo(to, text));
  }

  async function sessionTurns(): Promise<{ role: string; content: string }[]> {
    const messages = await stack.sessionTurns(`whatsapp:${ada.from}`);
    assert.equal(messages.status, 200);
    return messages.turns;
  }

  it('a message becomes a run of the number’s session, and its reply quotes it, once', async () => {
    assert.ok(whatsapp);
    const { wamid, status } = await whatsapp.sendMessage({ ...ada, text: 'Hello, who are you?' });
    assert.equal(status, 200);
    const run = await stack.runOfTask('Hello, who are you?');
    assert.equal(run.spec.instanceRef, instanceName);
    assert.equal(run.spec.sessionKey, `whatsapp:${ada.from}`);
    await eventually('the typing indicator', async () =>
      whatsapp?.typingIndicators().some((call) => call.body.message_id === wamid) ? true : undefined,
    );
    await stack.completeRun(run, 'I am **Claw**. Nice to meet you, Ada!');
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
    const run = await stack.runOfTask('What did I ask you?');
    assert.equal(run.spec.sessionKey, `whatsapp:${ada.from}`);
    await stack.completeRun(run, 'Who I am.');
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
    await stack.runOfTask('Still there?');
    assert.equal(await stack.runsOfTask('Let me in'), 0);
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
    await stack.runOfTask('After the forgery');
    assert.equal(await stack.runsOfTask('Forged hello'), 0);
  });

  it('Meta posting the same message again makes no second run', async () => {
    assert.ok(whatsapp);
    const { wamid } = await whatsapp.sendMessage({ ...ada, text: 'Only once, please' });
    await stack.runOfTask('Only once, please');
    assert.equal(await whatsapp.redeliver(wamid), 200);
    await whatsapp.sendMessage({ ...ada, text: 'And after that' });
    await stack.runOfTask('And after that');
    assert.equal(await stack.runsOfTask('Only once, please'), 1);
  });

  it('a reply the service refuses with 429 and then 500 arrives once it takes it, exactly once', async () => {
    assert.ok(whatsapp);
    const run = await stack.runOfTask('Still there?');
    whatsapp.failNext('messages', { status: 429, retryAfterSeconds: 1 }, { status: 500 });
    await stack.completeRun(run, 'Yes');
    assert.equal(await countReplies(ada.from, 'Yes'), 1);
    assert.equal(whatsapp.faultsServed('messages'), 2);
  });

  it('a channel killed after the message reached the bus delivers the reply once after its restart', async () => {
    assert.ok(whatsapp);
    await whatsapp.sendMessage({ ...ada, text: 'Remember tea' });
    const run = await stack.runOfTask('Remember tea');
    await channel.process.crash();
    await stack.completeRun(run, 'Noted: tea');
    // a message sent while no channel runs: Meta posts it again until the webhook takes it
    const { status } = await whatsapp.sendMessage({ ...ada, text: 'Are you back?' });
    assert.equal(status, 0);
    // the reply waits on the bus while no channel runs
    await sleep(1000);
    assert.equal(repliesTo(ada.from, 'Noted: tea').length, 0);
    await channel.restart();
    assert.equal(await countReplies(ada.from, 'Noted: tea'), 1);
    assert.equal(await stack.runsOfTask('Remember tea'), 1);
    await stack.runOfTask('Are you back?');
    assert.equal(await stack.runsOfTask('Are you back?'), 1);
  });
});
