import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { RunInput } from '../api/index.ts';
import {
  buildIpcFileName,
  createRunnerIpc,
  ensureIpcLayout,
  listPending,
  writeFileAtomic,
  type IpcLayout,
} from '../ipc/index.ts';
import { createRunInputs } from './run-inputs.ts';

const time = '2026-01-01T00:00:00.000Z';
const message = (n: number): RunInput => ({ id: `m${n}`, time, text: `message ${n}` });
const answer = (requestId: string, response: string): RunInput => ({
  id: `subagent-${requestId}`,
  time,
  text: 'sub-agent run finished',
  subagent: { requestId, status: 'succeeded', run: 'p-sub-x', response },
});

let dir = '';
let layout: IpcLayout;
let seq = 0;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-inputs-'));
  layout = await ensureIpcLayout(dir);
  seq = 0;
});
afterEach(() => rm(dir, { recursive: true, force: true }));

/** As the bridge delivers an input. */
const deliver = (input: RunInput) =>
  writeFileAtomic(layout.input, buildIpcFileName(++seq), JSON.stringify(input));
const open = (ids: string[]) =>
  createRunInputs(
    createRunnerIpc({ dir, rescanIntervalMs: 10, watchDirectory: () => ({ close: () => undefined }) }),
    () => {
      const id = ids.shift();
      if (!id) throw new Error('no more ids');
      return id;
    },
  );

async function requestsWritten(): Promise<unknown[]> {
  const files = await listPending(layout.events);
  return Promise.all(
    files.map(
      async (file) =>
        (JSON.parse(await readFile(join(layout.events, file.name), 'utf8')) as { body: unknown }).body,
    ),
  );
}

describe('run inputs', () => {
  it('writes a subagent_request and returns the answer to it, keeping messages for the model', async () => {
    const inputs = open(['req-1']);
    const spawned = inputs.spawn('count the files', new AbortController().signal);
    // wait for the request to be written, as the bridge would see it
    for (let i = 0; i < 200 && (await listPending(layout.events)).length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await deliver(message(1));
    await deliver(answer('other', 'stale'));
    await deliver(answer('req-1', '3 files'));
    const got = await spawned;
    assert.deepEqual(got, { requestId: 'req-1', status: 'succeeded', run: 'p-sub-x', response: '3 files' });
    assert.deepEqual(await requestsWritten(), [
      { type: 'subagent_request', requestId: 'req-1', task: 'count the files' },
    ]);
    // the message that came meanwhile is the model's; the stale answer is nobody's
    assert.deepEqual(await inputs.takeFollowUps(), ['message 1']);
    assert.deepEqual(await inputs.takeFollowUps(), []);
  });

  it('hands each of two calls waiting at once its own answer, whichever call takes it', async () => {
    const inputs = open(['first', 'second']);
    const never = new AbortController().signal;
    const first = inputs.spawn('task one', never);
    const second = inputs.spawn('task two', never);
    for (let i = 0; i < 200 && (await listPending(layout.events)).length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await deliver(answer('second', 'two'));
    assert.equal((await second)?.response, 'two');
    await deliver(answer('first', 'one'));
    assert.equal((await first)?.response, 'one');
  });

  it('gives up when the signal aborts, and drops the answer that comes later', async () => {
    const inputs = open(['req-2']);
    const deadline = new AbortController();
    const spawned = inputs.spawn('slow task', deadline.signal);
    setTimeout(() => deadline.abort(), 30);
    assert.equal(await spawned, undefined);
    await deliver(answer('req-2', 'too late'));
    assert.deepEqual(await inputs.takeFollowUps(), []);
  });

  it('takes follow-ups from the input in order, closing it only when none are left', async () => {
    const inputs = open([]);
    await deliver(message(1));
    await deliver(message(2));
    assert.deepEqual(await inputs.takeFollowUps(), ['message 1', 'message 2']);
    assert.deepEqual(await inputs.takeFollowUps(), []);
  });
});
