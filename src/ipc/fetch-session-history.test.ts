import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { RunHistoryReply } from '../api/run-history.ts';
import { fetchSessionHistory, provideSessionHistory } from './fetch-session-history.ts';
import { checkHistoryFile, ensureIpcLayout } from './protocol.ts';

const logger = { info: () => undefined, warn: () => undefined };
const history: RunHistoryReply = {
  ok: true,
  messages: [
    { role: 'user', content: 'hello' },
    { role: 'assistant', content: 'hi' },
  ],
};

/** `ask` answering with each step in turn: a reply, or an error to throw. */
function scripted(steps: (RunHistoryReply | Error)[]) {
  const calls: number[] = [];
  return {
    calls,
    ask: async (timeoutMs: number) => {
      calls.push(timeoutMs);
      const step = steps[Math.min(calls.length - 1, steps.length - 1)];
      if (step instanceof Error) throw step;
      return step as RunHistoryReply;
    },
  };
}

describe('fetchSessionHistory', () => {
  it('asks again while nobody answers or the store is unavailable, then takes the history', async () => {
    const { ask, calls } = scripted([
      new Error('no responders'),
      { ok: false, reason: 'Unavailable', message: 'the session store is unavailable' },
      history,
    ]);
    assert.deepEqual(await fetchSessionHistory({ ask, timeoutMs: 10_000, logger }), history);
    assert.equal(calls.length, 3);
  });

  it('stops at a refusal that will not change', async () => {
    const { ask, calls } = scripted([{ ok: false, reason: 'NoSession', message: 'no sessionKey' }, history]);
    assert.deepEqual(await fetchSessionHistory({ ask, timeoutMs: 10_000, logger }), {
      ok: false,
      reason: 'NoSession',
      message: 'no sessionKey',
    });
    assert.equal(calls.length, 1);
  });

  it('gives up at the deadline and says why, never waiting past it', async () => {
    const { ask, calls } = scripted([new Error('no responders')]);
    const started = Date.now();
    const file = await fetchSessionHistory({ ask, timeoutMs: 600, attemptTimeoutMs: 100, logger });
    assert.equal(file.ok, false);
    assert.equal(file.ok ? '' : file.reason, 'NoAnswer');
    assert.match(file.ok ? '' : file.message, /no history within 1 s \(no responders\)/);
    assert.ok(calls.length >= 2, 'asked more than once');
    assert.ok(
      calls.every((timeoutMs) => timeoutMs <= 100),
      'each attempt bounded',
    );
    assert.ok(Date.now() - started < 5_000);
  });
});

describe('provideSessionHistory', () => {
  it('writes history.json in the /ipc root, valid for the runner', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-history-'));
    try {
      const layout = await ensureIpcLayout(dir);
      await provideSessionHistory(layout, { ask: async () => history, timeoutMs: 1_000, logger });
      const written = JSON.parse(await readFile(path.join(dir, 'history.json'), 'utf8')) as unknown;
      assert.deepEqual(written, history);
      assert.equal(checkHistoryFile(written).ok, true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
