// Runs the WhatsApp Cloud API fake as a process (for tests on a cluster). Env: WHATSAPP_ACCESS_TOKEN,
// WHATSAPP_PHONE_NUMBER_ID, WHATSAPP_APP_SECRET (required), WHATSAPP_VERIFY_TOKEN, WEBHOOK_URL (where
// the signed webhook posts go), PORT (8080), HOST (0.0.0.0). The Graph API is under /v26.0/…; the
// control API under /_control/ (messages, redeliver, verify, calls, faults).
import { startWhatsAppFake } from './whatsapp-fake.ts';

function required(name: string): string {
  const value = process.env[name];
  if (!value) {
    process.stderr.write(`${JSON.stringify({ level: 'error', msg: `${name} is required` })}\n`);
    process.exit(2);
  }
  return value;
}

const port = Number(process.env.PORT ?? '8080');
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(
    `${JSON.stringify({ level: 'error', msg: `PORT is not a port: ${process.env.PORT}` })}\n`,
  );
  process.exit(2);
}
const fake = await startWhatsAppFake({
  accessToken: required('WHATSAPP_ACCESS_TOKEN'),
  phoneNumberId: required('WHATSAPP_PHONE_NUMBER_ID'),
  appSecret: required('WHATSAPP_APP_SECRET'),
  ...(process.env.WHATSAPP_VERIFY_TOKEN ? { verifyToken: process.env.WHATSAPP_VERIFY_TOKEN } : {}),
  ...(process.env.WEBHOOK_URL ? { webhookUrl: process.env.WEBHOOK_URL } : {}),
  port,
  host: process.env.HOST ?? '0.0.0.0',
});
process.stdout.write(
  `${JSON.stringify({ msg: 'whatsapp fake listening', url: fake.url, apiUrl: fake.apiUrl })}\n`,
);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void fake.close().then(() => process.exit(0));
  });
}
