import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resultMaxLength, type AgentRun, type RunResult } from '../../api/index.ts';
import { runFixture } from '../../../test/fixtures/k8sclaw-objects.ts';
import {
  isResultRecorded,
  parseTerminationMessage,
  planResultRecord,
  runUpdateNeedsReconcile,
  withoutResultFields,
} from './plan-result.ts';

const now = new Date('2026-03-01T12:00:00Z');
const result = (fields: Partial<RunResult> = {}): RunResult => ({
  status: 'succeeded',
  response: 'Done.',
  usage: { input: 120, output: 30 },
  toolCalls: 2,
  memoryUpdates: [],
  ...fields,
});

describe('planResultRecord', () => {
  it('records the answer without memory markers and stores the marked facts and tool entries', () => {
    const record = planResultRecord(
      runFixture(),
      result({
        response: 'Saved.\n<!-- memory:append -->\nThe favourite colour is teal.\n<!-- /memory -->',
        memoryUpdates: ['Alice uses zsh.'],
      }),
      { source: 'event-bus', memoryWritable: true, now },
    );
    assert.equal(record.status.result, 'Saved.');
    assert.deepEqual(record.memoryEntries, ['Alice uses zsh.', 'The favourite colour is teal.']);
    assert.deepEqual(record.status.tokenUsage, { input: 120, output: 30 });
    assert.equal(record.status.toolCalls, 2);
    const recorded = record.status.conditions?.find((c) => c.type === 'ResultRecorded');
    assert.equal(recorded?.status, 'True');
    assert.equal(recorded?.reason, 'Succeeded');
    assert.match(recorded?.message ?? '', /event bus/);
  });

  it('stores no memory when the run may not write memory, and still hides the markers', () => {
    const record = planResultRecord(
      runFixture(),
      result({ response: 'Hi <!-- memory:append -->secret<!-- /memory -->', memoryUpdates: ['x'] }),
      { source: 'event-bus', memoryWritable: false, now },
    );
    assert.deepEqual(record.memoryEntries, []);
    assert.equal(record.status.result, 'Hi');
  });

  it("keeps a failure's reason and error in the condition", () => {
    const record = planResultRecord(
      runFixture(),
      result({
        status: 'failed',
        response: '',
        error: 'rate limited by anthropic',
        reason: 'ProviderRateLimited',
      }),
      { source: 'termination-message', memoryWritable: true, now },
    );
    const recorded = record.status.conditions?.find((c) => c.type === 'ResultRecorded');
    assert.equal(recorded?.reason, 'ProviderRateLimited');
    assert.equal(recorded?.message, 'rate limited by anthropic');
    assert.equal(record.status.result, undefined);
  });

  it('truncates an answer longer than the status allows, with a note', () => {
    const record = planResultRecord(runFixture(), result({ response: 'x'.repeat(resultMaxLength + 50) }), {
      source: 'event-bus',
      memoryWritable: false,
      now,
    });
    assert.equal(record.status.result?.length, resultMaxLength);
    assert.match(record.status.result ?? '', /\[truncated: the full answer is in the session history\]$/);
  });

  it("keeps only its own condition, so it never writes the reconciler's", () => {
    const run = runFixture((r) => {
      r.status = {
        conditions: [
          {
            type: 'Ready',
            status: 'Unknown',
            reason: 'PodRunning',
            message: 'm',
            lastTransitionTime: '2026-03-01T11:00:00Z',
          },
        ],
      };
    });
    const record = planResultRecord(run, result(), { source: 'event-bus', memoryWritable: false, now });
    assert.deepEqual(
      record.status.conditions?.map((c) => c.type),
      ['ResultRecorded'],
    );
  });
});

describe('withoutResultFields and isResultRecorded', () => {
  it('strips exactly the fields and conditions other writers own (the result writer, the API server)', () => {
    const run = runFixture((r) => {
      r.status = {
        phase: 'Succeeded',
        result: 'ok',
        tokenUsage: { input: 1, output: 1 },
        toolCalls: 1,
        conditions: [
          {
            type: 'ResultRecorded',
            status: 'True',
            reason: 'Succeeded',
            message: 'm',
            lastTransitionTime: '2026-03-01T11:00:00Z',
          },
          {
            type: 'ReplyDelivered',
            status: 'True',
            reason: 'Delivered',
            message: 'm',
            lastTransitionTime: '2026-03-01T11:00:00Z',
          },
          {
            type: 'Ready',
            status: 'True',
            reason: 'Succeeded',
            message: 'm',
            lastTransitionTime: '2026-03-01T11:00:00Z',
          },
        ],
      };
    });
    assert.equal(isResultRecorded(run), true);
    const stripped = withoutResultFields(run.status ?? {});
    assert.deepEqual(Object.keys(stripped).sort(), ['conditions', 'phase']);
    assert.deepEqual(
      stripped.conditions?.map((c) => c.type),
      ['Ready'],
    );
    assert.equal(isResultRecorded(runFixture()), false);
  });
});

describe('parseTerminationMessage', () => {
  it('reads a result the runner wrote', () => {
    const parsed = parseTerminationMessage(JSON.stringify(result({ response: 'short' })));
    assert.equal(parsed?.response, 'short');
  });
  for (const [name, message] of [
    ['a log tail', 'Error: boom\n    at main.js:1'],
    ['broken JSON', '{"status": "succ'],
    ['JSON that is not a result', '{"status":"unknown","usage":{}}'],
    ['nothing', undefined],
  ] as const) {
    it(`ignores ${name}`, () => assert.equal(parseTerminationMessage(message), undefined));
  }
});

describe('runUpdateNeedsReconcile', () => {
  const base = runFixture((run) => {
    run.metadata.generation = 1;
    run.metadata.resourceVersion = '10';
    run.status = { phase: 'Pending', jobName: 'agentrun-alice-hello' };
  });
  const changed = (modify: (run: AgentRun) => void) => {
    const run = structuredClone(base);
    run.metadata.resourceVersion = '11';
    modify(run);
    return run;
  };

  it("ignores the reconciler's own status writes", () => {
    assert.equal(
      runUpdateNeedsReconcile(
        base,
        changed((run) => {
          run.status = { ...run.status, phase: 'Running', podName: 'p' };
        }),
      ),
      false,
    );
  });

  it("passes the result writer's fields, metadata and additions", () => {
    assert.equal(
      runUpdateNeedsReconcile(
        base,
        changed((run) => {
          run.status = { ...run.status, result: 'done' };
        }),
      ),
      true,
    );
    assert.equal(
      runUpdateNeedsReconcile(
        base,
        changed((run) => {
          run.status = {
            ...run.status,
            conditions: [
              {
                type: 'ResultRecorded',
                status: 'True',
                reason: 'Succeeded',
                message: 'm',
                lastTransitionTime: '2026-03-01T12:00:00Z',
              },
            ],
          };
        }),
      ),
      true,
    );
    assert.equal(
      runUpdateNeedsReconcile(
        base,
        changed((run) => {
          run.metadata.annotations = { 'k8sclaw.io/cancelled-by': 'alice' };
        }),
      ),
      true,
    );
    assert.equal(runUpdateNeedsReconcile(undefined, base), true);
  });
});
