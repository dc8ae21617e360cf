// The Slack fake as a program, for a cluster's channel pod to talk to: listens on PORT (default
// 8080) on all interfaces; SLACK_BOT_TOKEN, SLACK_APP_TOKEN and SLACK_SIGNING_SECRET as the app's
// own; WEBHOOK_URL, when set, is the Request URL events are posted to (HTTP Events API) instead of
// Socket Mode. Tests drive it through its control API (`/_control/messages`, `/_control/calls`,
// `/_control/faults`, `/_control/reconnect`; `/_control/messages?forge=signature` posts a forged
// event and answers with the app's status).
import { startSlackFake } from './slack-fake.ts';

const fake = await startSlackFake({
  botToken: process.env.SLACK_BOT_TOKEN ?? 'xoxb-fake',
  appToken: process.env.SLACK_APP_TOKEN ?? 'xapp-fake',
  signingSecret: process.env.SLACK_SIGNING_SECRET ?? 'fake-signing-secret',
  ...(process.env.WEBHOOK_URL ? { eventsUrl: process.env.WEBHOOK_URL } : {}),
  port: Number(process.env.PORT ?? 8080),
  host: '0.0.0.0',
});
console.log(JSON.stringify({ msg: 'slack fake listening', url: fake.url }));
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void fake.close().then(() => process.exit(0)));
}
