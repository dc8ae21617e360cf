// The chat step of `make demo`: a Telegram chat with the demo instance, through the stand-in of the
// Telegram Bot API (test/fakes/telegram, image chat-fakes) running in the demo namespace.
//   node hack/demo/telegram-chat.ts deploy NAMESPACE        the stand-in, and the channel's Secret
//                                                            `demo-telegram` pointing the bot at it
//   node hack/demo/telegram-chat.ts say NAMESPACE TEXT      Ada sends TEXT; waits for the bot's
//                                                            reply and prints both
import { setTimeout as sleep } from 'node:timers/promises';
import { deployChatStandIn } from '../../test/harness/chat-stand-in-in-cluster.ts';
import { e2eKubeClient } from '../../test/harness/e2e.ts';

const demoBotToken = '4242:DEMO-telegram-token';
const ada = { id: 42, username: 'ada', firstName: 'Ada' };

const [command, namespace, text] = process.argv.slice(2);
if (!namespace || (command !== 'deploy' && command !== 'say') || (command === 'say' && !text)) {
  console.error('usage: telegram-chat.ts deploy NAMESPACE | say NAMESPACE TEXT');
  process.exit(2);
}
const kube = e2eKubeClient();
const standIn = await deployChatStandIn(kube, process.env.KUBECONFIG ?? '', namespace, 'telegram', {
  TELEGRAM_BOT_TOKEN: demoBotToken,
});
if (command === 'deploy') {
  await kube.apply(
    {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'demo-telegram', namespace },
      stringData: { TELEGRAM_BOT_TOKEN: demoBotToken, K8SCLAW_TELEGRAM_API_ROOT: standIn.inClusterUrl },
    },
    'k8sclaw-demo',
  );
  console.log(
    `the Telegram stand-in serves at ${standIn.inClusterUrl}; Secret demo-telegram points the bot at it`,
  );
  process.exit(0);
}

type Call = { method: string; params: { chat_id?: unknown; text?: string } };
const sentToAda = async () =>
  (await standIn.calls<Call>()).filter(
    (call) => call.method === 'sendMessage' && String(call.params.chat_id) === String(ada.id),
  ).length;
const before = await sentToAda();
await standIn.pushMessage({ chatId: ada.id, from: ada, text });
console.log(`  Ada (Telegram chat ${ada.id}): ${text}`);
const deadline = Date.now() + 300_000;
while (Date.now() < deadline) {
  const calls = await standIn.calls<Call>();
  const replies = calls.filter(
    (call) => call.method === 'sendMessage' && String(call.params.chat_id) === String(ada.id),
  );
  if (replies.length > before) {
    // MarkdownV2 escapes shown as the person sees them
    for (const reply of replies.slice(before)) {
      console.log(`  bot: ${(reply.params.text ?? '').replace(/\\(.)/g, '$1')}`);
    }
    process.exit(0);
  }
  await sleep(500);
}
console.error('no reply within 5 minutes');
process.exit(1);
