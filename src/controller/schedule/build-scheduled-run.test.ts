import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { K8sClawError, type ClawSchedule } from '../../api/index.ts';
import { buildScheduledRun } from './build-scheduled-run.ts';

const schedule = (
  spec: Partial<ClawSchedule['spec']> = {},
  uid: string | undefined = 'uid-1',
): ClawSchedule => ({
  apiVersion: 'k8sclaw.io/v1alpha1',
  kind: 'ClawSchedule',
  metadata: { name: 'daily-standup', namespace: 'team', ...(uid ? { uid } : {}) },
  spec: { instanceRef: 'alice', schedule: '0 9 * * *', task: 'Review overnight alerts', ...spec },
});
const tick = new Date('2026-01-01T09:00:00Z');

describe('buildScheduledRun', () => {
  it('builds the AgentRun of one tick, owned by the schedule', () => {
    assert.deepEqual(buildScheduledRun(schedule(), 'daily-standup-29454300', tick), {
      apiVersion: 'k8sclaw.io/v1alpha1',
      kind: 'AgentRun',
      metadata: {
        name: 'daily-standup-29454300',
        namespace: 'team',
        labels: {
          'k8sclaw.io/schedule': 'daily-standup',
          'app.kubernetes.io/managed-by': 'k8sclaw',
          'app.kubernetes.io/part-of': 'k8sclaw',
        },
        annotations: {
          'k8sclaw.io/scheduled-at': '2026-01-01T09:00:00.000Z',
          'k8sclaw.io/include-memory': 'true',
          'k8sclaw.io/schedule-type': 'scheduled',
        },
        ownerReferences: [
          {
            apiVersion: 'k8sclaw.io/v1alpha1',
            kind: 'ClawSchedule',
            name: 'daily-standup',
            uid: 'uid-1',
            controller: true,
            blockOwnerDeletion: true,
          },
        ],
      },
      spec: { instanceRef: 'alice', task: 'Review overnight alerts' },
    });
  });

  const carried = [
    { name: 'includeMemory false', spec: { includeMemory: false }, memory: 'false', type: 'scheduled' },
    { name: 'type heartbeat', spec: { type: 'heartbeat' as const }, memory: 'true', type: 'heartbeat' },
    {
      name: 'type sweep with memory',
      spec: { type: 'sweep' as const, includeMemory: true },
      memory: 'true',
      type: 'sweep',
    },
  ];
  for (const c of carried) {
    it(`carries ${c.name}`, () => {
      const run = buildScheduledRun(schedule(c.spec), 'r', tick);
      assert.equal(run.metadata.annotations?.['k8sclaw.io/include-memory'], c.memory);
      assert.equal(run.metadata.annotations?.['k8sclaw.io/schedule-type'], c.type);
    });
  }

  it('refuses a schedule without uid (the owner reference needs it)', () => {
    const withoutUid = schedule();
    delete withoutUid.metadata.uid;
    assert.throws(
      () => buildScheduledRun(withoutUid, 'r', tick),
      (error) => error instanceof K8sClawError && error.code === 'ScheduleWithoutUid',
    );
  });
});
