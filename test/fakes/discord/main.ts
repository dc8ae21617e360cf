// Runs the Discord fake as a process (a Deployment in the local cluster, a bot's
// K8SCLAW_DISCORD_API_URL pointing at `http://<service>:<port>/api`). Env: DISCORD_BOT_TOKEN
// (required: the token the bot must present), PORT (8080), HOST (0.0.0.0),
// DISCORD_HEARTBEAT_INTERVAL_MS (41250). Control API on the same port:
//   POST /_control/messages          { channelId, author: { id, username, globalName?, bot? }, content,
//                                      replyTo?: { messageId, author }, webhookId?, type? }
//                                    → { messageId, sessions }: dispatched to the connected bot
//   GET  /_control/calls             → { calls: [...] } every REST call the bot made, in order
//   POST /_control/faults            { method: "createMessage", faults: [{ status: 429, retryAfterSeconds: 1 }, { status: 500 }] }
//   POST /_control/drop-connections  drops the Gateway connections (the bot resumes)
// The guild's ids (its text channel and thread) are in the first log line.
import { startDiscordFake } from './discord-fake.ts';

function fail(message: string): never {
  process.stderr.write(`${JSON.stringify({ level: 'error', msg: message })}\n`);
  process.exit(1);
}

const token = process.env.DISCORD_BOT_TOKEN;
if (!token) fail('DISCORD_BOT_TOKEN is required (the token the bot connects with)');
const port = Number(process.env.PORT ?? '8080');
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`PORT is not a port number: ${process.env.PORT}`);
const heartbeat = Number(process.env.DISCORD_HEARTBEAT_INTERVAL_MS ?? '41250');
if (!Number.isInteger(heartbeat) || heartbeat < 100) fail('DISCORD_HEARTBEAT_INTERVAL_MS: at least 100');

const fake = await startDiscordFake({
  token,
  port,
  host: process.env.HOST ?? '0.0.0.0',
  heartbeatIntervalMs: heartbeat,
});
const listening = Number(new URL(fake.apiUrl).port);
process.stdout.write(
  `${JSON.stringify({ msg: 'discord fake listening', port: listening, bot: fake.bot, guild: fake.guild })}\n`,
);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    fake.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
