// `k8sclaw chat` without a server: the session key it makes up, what it says for each answer of the
// messages endpoint, and its conversation loop on a terminal and from a pipe (the sending given).
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import type { RunEvent } from '../../api/index.ts';
import { CliContext } from '../cli-context.ts';
import { buildSessionKey, converse, planChatOutcome } from './chat.ts';
import { LiveReplyFilter } from './chat-live-reply.ts';

describe('buildSessionKey', () => {
  it('is cli:<user>-<random>, and a valid session key for any user name', () => {
    assert.equal(buildSessionKey('ada', '0a1b2c3d'), 'cli:ada-0a1b2c3d');
    assert.equal(buildSessionKey('Ada Lovelace (home)', 'ff'), 'cli:Ada-Lovelace-home-ff');
    assert.equal(buildSessionKey('', 'ff'), 'cli:user-ff');
    assert.equal(buildSessionKey('x'.repeat(300), 'ff'), `cli:${'x'.repeat(64)}-ff`);
    for (const key of [buildSessionKey('ünïcode user', '12'), buildSessionKey('a/b:c', '12')])
      assert.match(key, /^[A-Za-z0-9._:/@+=-]{1,256}$/);
  });
});

describe('planChatOutcome', () => {
  const run = { namespace: 'team-a', name: 'alice-x7k2p', uid: 'u' };
  it('gives the reply of a run that succeeded', () => {
    assert.deepEqual(planChatOutcome(200, { run, status: 'succeeded', reply: 'Hello.' }, 60), {
      reply: 'Hello.',
    });
  });
  it('names the run that failed, with its error', () => {
    assert.deepEqual(planChatOutcome(200, { run, status: 'failed', error: 'model unreachable' }, 60), {
      error: 'run "alice-x7k2p" failed: model unreachable',
    });
  });
  it('says the wait ran out and how to follow the run on a 202', () => {
    assert.deepEqual(planChatOutcome(202, { run, status: 'Accepted' }, 60), {
      error: 'no reply within 60 s; run "alice-x7k2p" is still going (see k8sclaw runs get alice-x7k2p)',
    });
  });
  it("passes on the API server's message for a refusal", () => {
    assert.deepEqual(planChatOutcome(401, { code: 'Unauthorized', message: 'invalid bearer token' }, 60), {
      error: 'the API server did not accept the token (401): invalid bearer token',
    });
    assert.deepEqual(planChatOutcome(403, { code: 'Forbidden', message: 'cannot create agentruns' }, 60), {
      error: 'permission denied (403): cannot create agentruns',
    });
    assert.deepEqual(planChatOutcome(503, { message: 'the session store is unavailable' }, 60), {
      error: 'the API server answered 503: the session store is unavailable',
    });
    assert.deepEqual(planChatOutcome(502, 'not json', 60), { error: 'the API server answered 502' });
  });
});

describe('converse', () => {
  /** A CLI context over in-memory streams, on a terminal or not, and what was written to them. */
  function streams(terminal: boolean, lines: string[]) {
    const stdin = Object.assign(new PassThrough(), { isTTY: terminal });
    const stdout = Object.assign(new PassThrough(), { isTTY: terminal });
    const stderr = new PassThrough();
    const written = { stdout: '', stderr: '' };
    stdout.on('data', (chunk: Buffer) => (written.stdout += chunk.toString()));
    stderr.on('data', (chunk: Buffer) => (written.stderr += chunk.toString()));
    const ctx = new CliContext({ stdin, stdout, stderr, now: () => new Date(0) }, () => ({}));
    stdin.end(lines.map((line) => `${line}\n`).join(''));
    return { ctx, written };
  }
  const answers = (texts: string[]) => async (text: string) =>
    text === 'fail'
      ? { error: 'run "claw-1" failed: boom' }
      : { reply: `re: ${text}`, sent: texts.push(text) };

  it('on a terminal: prompts, labels the replies, reports a failed turn and goes on', async () => {
    const sent: string[] = [];
    const { ctx, written } = streams(true, ['hello', 'fail', '', 'again']);
    await converse(ctx, 'claw', answers(sent), new AbortController());
    assert.deepEqual(sent, ['hello', 'again']);
    assert.match(written.stdout, /you> /);
    assert.match(written.stdout, /claw> re: hello\n/);
    assert.match(written.stdout, /claw> re: again\n/);
    assert.match(written.stderr, /Error: run "claw-1" failed: boom\n/);
  });

  it('from a pipe: prints only the replies and stops at the first failure with its sentence', async () => {
    const sent: string[] = [];
    const { ctx, written } = streams(false, ['hello', '', 'fail', 'never sent']);
    await assert.rejects(converse(ctx, 'claw', answers(sent), new AbortController()), {
      message: 'run "claw-1" failed: boom',
    });
    assert.deepEqual(sent, ['hello']);
    assert.equal(written.stdout, 're: hello\n');
    assert.equal(written.stderr, '');
  });
  it('on a terminal with a live stream: shows the chunks as they come and not the reply again', async () => {
    const { ctx, written } = streams(true, ['hello']);
    let show: ((text: string) => void) | undefined;
    const live = {
      opened: Promise.resolve(true),
      begin: (onText: (text: string) => void) => void (show = onText),
      end: () => void (show = undefined),
      close: () => undefined,
    };
    const send = async () => {
      show?.('Hel');
      show?.('lo.');
      return { reply: 'Hello.' };
    };
    await converse(ctx, 'claw', send, new AbortController(), live);
    assert.match(written.stdout, /claw> Hello\.\n/);
    assert.equal(written.stdout.split('Hel').length - 1, 1, written.stdout);
    assert.equal(show, undefined, 'the turn ended');
  });
});

describe('LiveReplyFilter', () => {
  const identity = (runUid: string) => ({
    namespace: 'team-a',
    instance: 'claw',
    run: `r-${runUid}`,
    runUid,
  });
  const event = (runUid: string, time: string, body: RunEvent['body']): RunEvent => ({
    id: `e-${runUid}-${body.type}`,
    seq: 1,
    time,
    identity: identity(runUid),
    body,
  });
  const started = { type: 'started', provider: 'openai', model: 'gpt' } as const;
  const chunk = (text: string) => ({ type: 'chunk', text }) as const;

  it("passes the chunks of the turn's run only: not replayed runs, not outside a turn", () => {
    const filter = new LiveReplyFilter();
    const turnAt = Date.parse('2026-11-30T12:00:00Z');
    assert.equal(filter.accept(event('new', '2026-11-30T12:00:01Z', chunk('early'))), undefined);
    filter.beginTurn(turnAt);
    // an earlier turn's run, replayed by the stream
    assert.equal(filter.accept(event('old', '2026-11-30T11:50:00Z', started)), undefined);
    assert.equal(filter.accept(event('old', '2026-11-30T11:50:01Z', chunk('old text'))), undefined);
    assert.equal(filter.accept(event('new', '2026-11-30T12:00:01Z', started)), undefined);
    assert.equal(filter.accept(event('new', '2026-11-30T12:00:02Z', chunk('Hello'))), 'Hello');
    // another run of the session starting later is not this turn's
    assert.equal(filter.accept(event('other', '2026-11-30T12:00:03Z', started)), undefined);
    assert.equal(filter.accept(event('other', '2026-11-30T12:00:03Z', chunk('x'))), undefined);
    filter.endTurn();
    assert.equal(filter.accept(event('new', '2026-11-30T12:00:04Z', chunk('late'))), undefined);
  });

  it('takes a run started a little before the turn by the clock of its pod', () => {
    const filter = new LiveReplyFilter();
    filter.beginTurn(Date.parse('2026-11-30T12:00:00Z'));
    filter.accept(event('skewed', '2026-11-30T11:59:57Z', started));
    assert.equal(filter.accept(event('skewed', '2026-11-30T11:59:58Z', chunk('hi'))), 'hi');
  });
});
