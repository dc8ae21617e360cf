// Runs the Telegram Bot API stand-in as a process (a Deployment in the local cluster), driven by
// its control API (test/fakes/control-api.ts). Env: TELEGRAM_BOT_TOKEN (required: the token the
// bot must use), PORT (8080), HOST (0.0.0.0), BOT_USERNAME (claw_test_bot).
import { startTelegramFake } from './telegram-fake.ts';

const token = process.env.TELEGRAM_BOT_TOKEN;
if (!token) {
  process.stderr.write('TELEGRAM_BOT_TOKEN is required\n');
  process.exit(2);
}
const fake = await startTelegramFake({
  token,
  port: Number(process.env.PORT ?? '8080'),
  host: process.env.HOST ?? '0.0.0.0',
  bot: { id: 7_000_001, username: process.env.BOT_USERNAME ?? 'claw_test_bot' },
});
process.stdout.write(`${JSON.stringify({ msg: 'telegram stand-in listening', apiRoot: fake.apiRoot })}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => void fake.close().then(() => process.exit(0)));
}
