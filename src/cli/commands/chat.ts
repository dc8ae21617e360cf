// `k8sclaw chat <instance>`: a conversation with an instance from the terminal, through the K8sClaw
// API server. Each line becomes a message into one session (POST …/instances/<name>/messages with
// `?wait=`), and the reply is printed once the run has answered; on a terminal it is shown as it is
// written, from the session's event stream (chat-live-reply.ts). With `-m` it sends one message and
// exits. The API server is `--api` or a port-forward to its Service, with `--token` or the user's
// own bearer token (apiserver-connection.ts).
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Option } from 'commander';
import { connectApiServer, unreachableSentence, type ApiServerConnection } from '../apiserver-connection.ts';
import { CliError } from '../cli-error.ts';
import type { CliContext } from '../cli-context.ts';
import { namespaceOption } from '../command-options.ts';
import { parseSeconds } from '../parse-seconds.ts';
import { UsageError } from '../usage-error.ts';
import { followSessionReplies, type LiveReplies } from './chat-live-reply.ts';

interface ChatOptions {
  namespace?: string;
  session?: string;
  api?: string;
  token?: string;
  message?: string;
  wait: string;
}

/** The longest `?wait=` the API server accepts. */
const maxWaitSeconds = 300;
const sessionKeyPattern = /^[A-Za-z0-9._:/@+=-]{1,256}$/;

/** A new session key for a user of the CLI: `cli:<user>-<8 hex>`, the user reduced to allowed characters. */
export function buildSessionKey(user: string, random: string): string {
  const name = user.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'user';
  return `cli:${name.slice(0, 64)}-${random}`;
}

/** What a message came back as: the reply to print, or the one sentence saying why there is none. */
export type ChatOutcome = { reply: string } | { error: string };

/** Reads the messages endpoint's answer (pure): status and JSON body. */
export function planChatOutcome(status: number, body: unknown, waitSeconds: number): ChatOutcome {
  const answer = (typeof body === 'object' && body !== null ? body : {}) as {
    status?: string;
    reply?: string;
    error?: string;
    message?: string;
    run?: { name?: string };
  };
  const run = answer.run?.name ? `run "${answer.run.name}"` : 'the run';
  if (status === 200 && answer.status === 'succeeded') return { reply: answer.reply ?? '' };
  if (status === 200 && answer.status === 'failed')
    return { error: `${run} failed${answer.error ? `: ${answer.error}` : ''}` };
  if (status === 202)
    return {
      error:
        `no reply within ${waitSeconds} s; ${run} is still going (see k8sclaw runs get ${answer.run?.name ?? ''})`.trimEnd(),
    };
  const reason = answer.message ? `: ${answer.message}` : '';
  if (status === 401) return { error: `the API server did not accept the token (401)${reason}` };
  if (status === 403) return { error: `permission denied (403)${reason}` };
  return { error: `the API server answered ${status}${reason}` };
}

async function sendMessage(
  connection: ApiServerConnection,
  target: { namespace: string; instance: string; sessionKey: string; waitSeconds: number },
  text: string,
  signal: AbortSignal,
): Promise<ChatOutcome> {
  const { namespace, instance, sessionKey, waitSeconds } = target;
  const url =
    `${connection.url}/api/v1/namespaces/${encodeURIComponent(namespace)}` +
    `/instances/${encodeURIComponent(instance)}/messages?wait=${waitSeconds}`;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${connection.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sessionKey, text }),
      signal: AbortSignal.any([signal, AbortSignal.timeout((waitSeconds + 30) * 1000)]),
    });
  } catch (error) {
    if (signal.aborted) return { error: 'cancelled' };
    return { error: unreachableSentence(connection, error) };
  }
  const raw = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(raw);
  } catch {
    body = { message: raw.slice(0, 200) };
  }
  return planChatOutcome(response.status, body, waitSeconds);
}

export function addChatCommand(program: Command, ctx: CliContext): void {
  program
    .command('chat')
    .description('hold a conversation with an instance through the K8sClaw API server')
    .argument('<instance>', 'name of the ClawInstance')
    .addOption(namespaceOption())
    .option('--session <key>', 'session to continue (default: a new cli:<user>-<random> key)')
    .option(
      '--api <url>',
      'URL of the K8sClaw API server (default: a port-forward to the k8sclaw-apiserver Service)',
    )
    .option('--token <token>', "bearer token for the API server (default: the kube context's user's)")
    .option('-m, --message <text>', 'send this one message, print the reply and exit')
    .addOption(new Option('--wait <seconds>', 'how long to wait for each reply (at most 300)').default('300'))
    .action(async (instance: string, options: ChatOptions) => {
      const waitSeconds = parseSeconds('--wait', options.wait) / 1000;
      if (!Number.isInteger(waitSeconds) || waitSeconds < 1 || waitSeconds > maxWaitSeconds)
        throw new UsageError(`--wait must be whole seconds from 1 to ${maxWaitSeconds}`);
      if (options.session !== undefined && !sessionKeyPattern.test(options.session))
        throw new UsageError(
          `--session may hold only letters, digits and . _ : / @ + = - (at most 256): ${options.session}`,
        );
      if (options.message !== undefined && options.message.trim() === '')
        throw new UsageError('--message is empty');
      const namespace = ctx.namespace(options.namespace);
      const sessionKey =
        options.session ?? buildSessionKey(os.userInfo().username, randomBytes(4).toString('hex'));
      const connection = await connectApiServer(ctx, options);
      const target = { namespace, instance, sessionKey, waitSeconds };
      const cancel = new AbortController();
      let live: LiveReplies | undefined;
      try {
        if (options.session === undefined)
          ctx.note(`session ${sessionKey} (continue it with --session ${sessionKey})`);
        if (options.message !== undefined) {
          const outcome = await sendMessage(connection, target, options.message, cancel.signal);
          if ('error' in outcome) throw new CliError('ChatFailed', outcome.error);
          ctx.print(outcome.reply);
          return;
        }
        live = ctx.interactive
          ? followSessionReplies({
              url: connection.url,
              token: connection.token,
              namespace,
              instance,
              sessionKey,
            })
          : undefined;
        await converse(
          ctx,
          instance,
          (text) => sendMessage(connection, target, text, cancel.signal),
          cancel,
          live,
        );
      } finally {
        live?.close();
        cancel.abort();
        await connection.forward?.close();
      }
    });
}

/**
 * Reads lines and sends each non-empty one. On a terminal: a prompt, replies labelled with the
 * instance, a failed turn reported and the conversation going on; elsewhere: the replies only,
 * and the first failure ends the command with its sentence.
 */
export async function converse(
  ctx: CliContext,
  instance: string,
  send: (text: string) => Promise<ChatOutcome>,
  cancel: AbortController,
  live?: LiveReplies,
): Promise<void> {
  const terminal = ctx.interactive;
  const lines = createInterface({
    input: ctx.env.stdin,
    ...(terminal ? { output: ctx.env.stdout, prompt: 'you> ' } : {}),
    terminal,
  });
  // Ctrl-D (or the end of the input) may come while a reply is awaited: no prompt after that
  let closed = false;
  lines.once('close', () => (closed = true));
  lines.on('SIGINT', () => {
    cancel.abort();
    lines.close();
  });
  if (terminal) {
    ctx.note('type a message and press Enter; Ctrl-D or Ctrl-C ends the conversation');
    lines.prompt();
  }
  for await (const line of lines) {
    const text = line.trim();
    if (text !== '') {
      // on a terminal the reply is shown as it is written, when the session's stream has it
      let streamed = false;
      if (terminal)
        live?.begin((chunk) => {
          if (!streamed) ctx.env.stdout.write(`${instance}> `);
          streamed = true;
          ctx.env.stdout.write(chunk);
        });
      const outcome = await send(text);
      live?.end();
      if (streamed) ctx.env.stdout.write('\n');
      if (cancel.signal.aborted) break;
      if ('error' in outcome) {
        if (!terminal) {
          lines.close();
          throw new CliError('ChatFailed', outcome.error);
        }
        ctx.note(`Error: ${outcome.error}`);
      } else if (!streamed) ctx.print(terminal ? `${instance}> ${outcome.reply}` : outcome.reply);
    }
    if (terminal && !closed) lines.prompt();
  }
}
