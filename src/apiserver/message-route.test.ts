import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun } from '../api/index.ts';
import { ApiError } from './api-error.ts';
import { buildRunForMessage, parseWaitSeconds } from './message-route.ts';
import { sendMessageBodySchema } from './message-schemas.ts';
import { compileBodyParser } from './request-body.ts';
import { failedBeforeStart } from './wait-for-reply.ts';

const parse = compileBodyParser(sendMessageBodySchema);

function fieldsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    assert.ok(error instanceof ApiError, String(error));
    return (error.body.fields ?? []).map((field) => field.field);
  }
  assert.fail('expected a 400');
}

describe('the messages endpoint', () => {
  it('turns a message into a run of the instance in that session, recording the sender', () => {
    const run = buildRunForMessage({ sessionKey: 'api:chat-1', text: 'hello' }, 'team-a', 'bot', 'alice');
    assert.deepEqual(run.spec, { instanceRef: 'bot', sessionKey: 'api:chat-1', task: 'hello' });
    assert.equal(run.metadata.namespace, 'team-a');
    assert.equal((run.metadata as { generateName?: string }).generateName, 'bot-');
    assert.equal(run.metadata.annotations?.['k8sclaw.io/requested-by'], 'alice');
  });

  it('names a long instance within the run name limit', () => {
    const run: AgentRun = buildRunForMessage({ sessionKey: 'k', text: 't' }, 'ns', 'x'.repeat(42), 'u');
    assert.ok(((run.metadata as { generateName?: string }).generateName ?? '').length <= 57);
  });

  it('refuses bodies naming the field: unknown, missing, empty or malformed', () => {
    assert.deepEqual(parse('{"sessionKey":"api:1","text":"hi"}'), { sessionKey: 'api:1', text: 'hi' });
    assert.deepEqual(
      fieldsOf(() => parse('{"sessionKey":"api:1","text":"hi","taks":"x"}')),
      ['taks'],
    );
    assert.deepEqual(
      fieldsOf(() => parse('{"sessionKey":"api:1"}')),
      ['text'],
    );
    assert.deepEqual(
      fieldsOf(() => parse('{"sessionKey":"has space","text":"hi"}')),
      ['sessionKey'],
    );
    assert.deepEqual(
      fieldsOf(() => parse('{"sessionKey":"api:1","text":""}')),
      ['text'],
    );
    assert.deepEqual(
      fieldsOf(() => parse('{"sessionKey":')),
      ['body'],
    );
  });

  it('takes wait as whole seconds up to 300 and refuses anything else by name', () => {
    assert.equal(parseWaitSeconds({}), undefined);
    assert.equal(parseWaitSeconds({ wait: '0' }), 0);
    assert.equal(parseWaitSeconds({ wait: '300' }), 300);
    for (const wait of ['301', '-1', '1.5', 'soon', '', '0300']) {
      assert.deepEqual(
        fieldsOf(() => parseWaitSeconds({ wait })),
        ['wait'],
        wait,
      );
    }
  });

  it('stops waiting for a run that failed before it started (it will never be recorded)', () => {
    const run = (status: AgentRun['status']) => ({ status }) as AgentRun;
    assert.deepEqual(failedBeforeStart(run({ phase: 'Failed', error: 'no such instance' })), {
      status: 'failed',
      error: 'no such instance',
    });
    assert.equal(failedBeforeStart(run({ phase: 'Failed', jobName: 'j' })), undefined);
    assert.equal(failedBeforeStart(run({ phase: 'Running' })), undefined);
    assert.equal(failedBeforeStart(undefined), undefined);
  });
});
