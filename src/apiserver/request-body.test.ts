import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError } from './api-error.ts';
import { createRunBodySchema } from './api-schemas.ts';
import { compileBodyParser } from './request-body.ts';
import { buildRunFromRequest, whyNotCancellable } from './run-routes.ts';

const parse = compileBodyParser(createRunBodySchema);
const fieldsOf = (text: string): string[] => {
  try {
    parse(text);
  } catch (error) {
    assert.ok(error instanceof ApiError);
    assert.equal(error.status, 400);
    return (error.body.fields ?? []).map((f) => f.field);
  }
  assert.fail('expected a 400');
};

describe('run creation body', () => {
  it('accepts a minimal run', () => {
    const body = parse(JSON.stringify({ spec: { instanceRef: 'alice', task: 'hello' } }));
    assert.equal(body.spec.task, 'hello');
  });

  it('names malformed JSON as the body', () => {
    assert.deepEqual(fieldsOf('{"spec": '), ['body']);
    assert.deepEqual(fieldsOf(''), ['body']);
  });

  it('names unknown fields at every level', () => {
    assert.deepEqual(fieldsOf(JSON.stringify({ spec: { instanceRef: 'a', task: 't', taks: 'x' } })), [
      'spec.taks',
    ]);
    assert.deepEqual(fieldsOf(JSON.stringify({ spec: { instanceRef: 'a', task: 't' }, status: {} })), [
      'status',
    ]);
    assert.deepEqual(
      fieldsOf(
        JSON.stringify({ spec: { instanceRef: 'a', task: 't', model: { provider: 'openai', temp: 1 } } }),
      ),
      ['spec.model.temp'],
    );
    assert.deepEqual(
      fieldsOf(JSON.stringify({ metadata: { namespace: 'other' }, spec: { instanceRef: 'a', task: 't' } })),
      ['metadata.namespace'],
    );
  });

  it('names missing and invalid fields', () => {
    assert.deepEqual(fieldsOf(JSON.stringify({ spec: { instanceRef: 'a' } })), ['spec.task']);
    assert.deepEqual(fieldsOf(JSON.stringify({ spec: { instanceRef: 'Not_A_Name', task: 't' } })), [
      'spec.instanceRef',
    ]);
  });

  it('builds the run in the path namespace, recording who asked', () => {
    const run = buildRunFromRequest(
      {
        metadata: { annotations: { 'k8sclaw.io/requested-by': 'mallory' } },
        spec: { instanceRef: 'alice', task: 't' },
      },
      'team-a',
      'system:serviceaccount:team-a:bob',
    );
    assert.equal(run.metadata.namespace, 'team-a');
    assert.equal((run.metadata as { generateName?: string }).generateName, 'alice-');
    assert.equal(run.metadata.annotations?.['k8sclaw.io/requested-by'], 'system:serviceaccount:team-a:bob');
  });
});

describe('cancel', () => {
  const run = (status: Record<string, unknown> | undefined) =>
    ({
      apiVersion: 'k8sclaw.io/v1alpha1',
      kind: 'AgentRun',
      metadata: { name: 'r', namespace: 'a' },
      spec: { instanceRef: 'i', task: 't' },
      ...(status ? { status } : {}),
    }) as Parameters<typeof whyNotCancellable>[0];

  it('cancels a run whose Job exists and that has not finished', () => {
    assert.equal(whyNotCancellable(run({ phase: 'Running', jobName: 'r-job' })), undefined);
    assert.equal(whyNotCancellable(run({ phase: 'Pending', jobName: 'r-job' })), undefined);
  });

  it('refuses a finished run and one without a Job', () => {
    assert.match(whyNotCancellable(run({ phase: 'Succeeded', jobName: 'j' })) ?? '', /already finished/);
    assert.match(whyNotCancellable(run({ phase: 'Failed' })) ?? '', /already finished/);
    assert.match(whyNotCancellable(run(undefined)) ?? '', /delete the run/);
  });
});
