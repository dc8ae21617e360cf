import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse } from 'yaml';
import { runFixture } from '../../../test/fixtures/k8sclaw-objects.ts';
import { renderObjects } from './render-objects.ts';
import { runRows } from './run-rows.ts';

const now = new Date('2026-11-30T10:00:00Z');
const runs = [
  runFixture((r) => {
    r.metadata.creationTimestamp = '2026-11-30T09:59:00Z';
    r.status = { phase: 'Running', podName: 'alice-hello-abc' };
  }),
  runFixture((r) => {
    r.metadata.name = 'alice-bye';
    r.metadata.namespace = 'team-b';
    r.spec.task = 'Say bye.';
  }),
];

describe('renderObjects', () => {
  it('table: NAME and the narrow columns', () => {
    assert.equal(
      renderObjects(runRows, runs, { format: 'table', now }),
      [
        'NAME          INSTANCE   PHASE     POD               DURATION   AGE         PARENT',
        'alice-hello   alice      Running   alice-hello-abc   <none>     60s         <none>',
        'alice-bye     alice      <none>    <none>            <none>     <unknown>   <none>',
      ].join('\n'),
    );
  });

  it('wide with all namespaces: NAMESPACE first, the task last', () => {
    const lines = renderObjects(runRows, runs, { format: 'wide', now, allNamespaces: true }).split('\n');
    assert.match(lines[0]!, /^NAMESPACE +NAME +INSTANCE .* TASK$/);
    assert.match(lines[2]!, /^team-b +alice-bye .* Say bye\.$/);
  });

  it('json of a list parses back to the objects', () => {
    const parsed = JSON.parse(renderObjects(runRows, runs, { format: 'json', now })) as unknown;
    assert.deepEqual(parsed, { apiVersion: 'v1', kind: 'List', items: runs });
  });

  it('yaml of a list parses back to the objects', () => {
    const parsed = parse(renderObjects(runRows, runs, { format: 'yaml', now })) as unknown;
    assert.deepEqual(parsed, { apiVersion: 'v1', kind: 'List', items: runs });
  });

  it('json of one object (get) is the object itself', () => {
    const parsed = JSON.parse(
      renderObjects(runRows, [runs[0]!], { format: 'json', now, single: true }),
    ) as unknown;
    assert.deepEqual(parsed, runs[0]);
  });

  it('json and yaml leave out managedFields, as kubectl does', () => {
    const expected = runs[0]!;
    const managedFields = [{ manager: 'k8sclaw-controller/agentrun', operation: 'Apply' }];
    const managed = { ...expected, metadata: { ...expected.metadata, managedFields } };
    assert.deepEqual(JSON.parse(renderObjects(runRows, [managed], { format: 'json', now })), {
      apiVersion: 'v1',
      kind: 'List',
      items: [expected],
    });
    assert.deepEqual(
      parse(renderObjects(runRows, [managed], { format: 'yaml', now, single: true })),
      expected,
    );
    assert.equal(managed.metadata.managedFields, managedFields, 'the object itself is left as it was');
  });
});
