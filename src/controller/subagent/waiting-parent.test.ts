import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun } from '../../api/index.ts';
import { runFixture } from '../../../test/fixtures/k8sclaw-objects.ts';
import { whyNobodyWaits } from './waiting-parent.ts';

const parentWith = (modify: (run: AgentRun) => void = () => undefined) =>
  runFixture((run) => {
    Object.assign(run.metadata, { name: 'lead', uid: 'uid-lead' });
    run.status = { phase: 'Running', jobName: 'agentrun-lead' };
    modify(run);
  });
const child = runFixture((run) => {
  Object.assign(run.metadata, { name: 'lead-sub-1', uid: 'uid-child' });
  run.metadata.ownerReferences = [
    { apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', name: 'lead', uid: 'uid-lead', controller: true },
  ];
  run.spec.parent = { runName: 'lead', spawnDepth: 1 };
});

describe('whyNobodyWaits', () => {
  const cases: {
    name: string;
    parent: AgentRun | undefined;
    child?: AgentRun;
    expected: string | undefined;
  }[] = [
    { name: 'a running parent waits', parent: parentWith(), expected: undefined },
    {
      name: 'a parent that succeeded',
      parent: parentWith((r) => void (r.status = { phase: 'Succeeded' })),
      expected: 'parent run lead, which ended',
    },
    {
      name: 'a parent that failed',
      parent: parentWith((r) => void (r.status = { phase: 'Failed' })),
      expected: 'parent run lead, which ended',
    },
    {
      name: 'a parent whose result is recorded while its Job winds down',
      parent: parentWith((r) => {
        r.status = {
          phase: 'Running',
          conditions: [
            {
              type: 'ResultRecorded',
              status: 'True',
              reason: 'Succeeded',
              message: '',
              lastTransitionTime: '2026-03-01T12:00:00Z',
            },
          ],
        };
      }),
      expected: 'parent run lead, which ended',
    },
    {
      name: 'a parent being deleted',
      parent: parentWith((r) => void (r.metadata.deletionTimestamp = '2026-03-01T12:00:00Z')),
      expected: 'parent run lead, which ended',
    },
    { name: 'a parent that is gone', parent: undefined, expected: 'parent run lead, which is gone' },
    {
      name: 'a run of the parent name that is not the parent (another uid)',
      parent: parentWith((r) => void (r.metadata.uid = 'uid-other')),
      expected: 'parent run lead, which is gone',
    },
    { name: 'a run that is no sub-agent', parent: undefined, child: runFixture(), expected: undefined },
  ];
  for (const { name, parent, child: subject, expected } of cases) {
    it(name, () => assert.equal(whyNobodyWaits(subject ?? child, parent), expected));
  }
});
