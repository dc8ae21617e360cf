import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AgentRun, ClawInstance, ClawPolicy, SkillPack } from '../../api/index.ts';
import {
  instanceFixture,
  policyFixture,
  runFixture,
  skillPackFixture,
  subagentOf,
} from '../../../test/fixtures/k8sclaw-objects.ts';
import {
  formatDuration,
  planRun,
  type ObservedJob,
  type ObservedPod,
  type RunObservation,
} from './plan-run.ts';

const now = new Date('2026-03-01T12:00:00Z');
const options = { agentImage: 'agent:1', ipcBridgeImage: 'bridge:1', eventBusUrl: 'nats://bus:4222' };
/** Finished runs whose result the bus never delivers: no wait for it. */
const noGrace = { ...options, resultGraceMs: 0 };

function observe(overrides: Partial<RunObservation> = {}): RunObservation {
  return {
    run: runFixture(),
    instance: instanceFixture(),
    skillPacks: new Map(),
    memoryConfigMap: { ownedByInstance: true },
    activeRunsOfInstance: 0,
    now,
    ...overrides,
  };
}
const condition = (plan: ReturnType<typeof planRun>, type: string) =>
  plan.status.conditions?.find((c) => c.type === type);
const finishedRun = (
  phase: 'Succeeded' | 'Failed',
  completedAt: string,
  modify: (run: AgentRun) => void = () => undefined,
): AgentRun =>
  runFixture((run) => {
    run.status = { phase, completedAt };
    modify(run);
  });

describe('planRun for an admitted run whose Job is not observed', () => {
  const admitted = runFixture((run) => {
    run.status = { phase: 'Running', jobName: 'agentrun-alice-hello', startedAt: '2026-03-01T11:59:00Z' };
  });

  it('never creates a second Job: it waits for the cache while the Job may still exist', () => {
    const plan = planRun(observe({ run: admitted }), options);
    assert.equal(plan.createJob, undefined);
    assert.equal(plan.createNetworkPolicy, undefined);
    assert.equal(plan.status.phase, 'Running');
    assert.equal(plan.requeueAfterMs, 1_000);
  });

  it('fails the run with JobLost once the Job is confirmed gone', () => {
    const plan = planRun(observe({ run: admitted, jobGone: true }), options);
    assert.equal(plan.createJob, undefined);
    assert.equal(plan.status.phase, 'Failed');
    assert.equal(plan.status.completedAt, now.toISOString());
    assert.match(plan.status.error ?? '', /Job agentrun-alice-hello was deleted before the run finished/);
    assert.equal(condition(plan, 'Completed')?.reason, 'JobLost');
    assert.equal(condition(plan, 'Ready')?.status, 'False');
  });

  it('fails a cancelled run with Cancelled and who cancelled it', () => {
    const cancelled = runFixture((run) => {
      run.metadata.annotations = { 'k8sclaw.io/cancelled-by': 'alice@example.com' };
      run.status = admitted.status ?? {};
    });
    const plan = planRun(observe({ run: cancelled, jobGone: true }), options);
    assert.equal(plan.status.phase, 'Failed');
    assert.equal(plan.status.error, 'cancelled by alice@example.com');
    assert.equal(condition(plan, 'Completed')?.reason, 'Cancelled');
  });
});

describe('planRun before the Job exists', () => {
  it('creates the Job and its NetworkPolicy and reports Pending/Scheduled', () => {
    const plan = planRun(observe(), options);
    assert.equal(plan.createJob?.metadata.name, 'agentrun-alice-hello');
    assert.equal(plan.createNetworkPolicy?.kind, 'NetworkPolicy');
    assert.equal(plan.status.phase, 'Pending');
    assert.equal(plan.status.jobName, 'agentrun-alice-hello');
    assert.equal(condition(plan, 'Scheduled')?.status, 'True');
  });

  const waits: { name: string; observation: Partial<RunObservation>; reason: string }[] = [
    { name: 'missing instance', observation: { instance: undefined }, reason: 'InstanceNotFound' },
    {
      name: 'missing policy (it may still be created)',
      observation: { instance: instanceFixture((i) => void (i.spec.policyRef = 'default-policy')) },
      reason: 'PolicyNotFound',
    },
    {
      name: 'missing skill pack',
      observation: { instance: instanceFixture((i) => void (i.spec.skills = [{ skillPackRef: 'k8s-ops' }])) },
      reason: 'SkillPackNotFound',
    },
    {
      name: 'instance at its concurrency limit',
      observation: {
        instance: instanceFixture((i) => void (i.spec.agents.default.maxConcurrentRuns = 2)),
        activeRunsOfInstance: 2,
      },
      reason: 'WaitingForCapacity',
    },
  ];
  for (const testCase of waits) {
    it(`waits in Pending without a Job: ${testCase.name}`, () => {
      const plan = planRun(observe(testCase.observation), options);
      assert.equal(plan.createJob, undefined);
      assert.equal(plan.status.phase, 'Pending');
      assert.equal(condition(plan, 'Scheduled')?.status, 'False');
      assert.equal(condition(plan, 'Scheduled')?.reason, testCase.reason);
    });
  }

  /** A running parent, and a sub-agent run of it. */
  const parentRun = runFixture((r) => {
    Object.assign(r.metadata, { name: 'parent', uid: 'uid-parent' });
    r.status = { phase: 'Running', jobName: 'agentrun-parent' };
  });
  const subagentOf = (modify: (run: AgentRun) => void = () => undefined) =>
    runFixture((r) => {
      r.spec.parent = { runName: 'parent', spawnDepth: 1 };
      r.metadata.ownerReferences = [
        { apiVersion: 'k8sclaw.io/v1alpha1', kind: 'AgentRun', name: 'parent', uid: 'uid-parent' },
      ];
      modify(r);
    });
  const subagentRun = subagentOf();
  const subagentPolicy = policyFixture((p) => void (p.spec.featureGates = { 'sub-agents': true }));
  const boundInstance = (limits: { maxConcurrent?: number; maxChildrenPerAgent?: number }) =>
    instanceFixture((i) => {
      i.spec.policyRef = 'default-policy';
      i.spec.agents.default.subagents = limits;
    });
  const subagentCases = [
    {
      name: 'a parent at its children limit',
      limits: { maxChildrenPerAgent: 2 },
      children: 2,
      subagents: 2,
      waits: /parent run parent has 2 of at most 2/,
    },
    {
      name: 'an instance at its sub-agent limit',
      limits: { maxConcurrent: 3 },
      children: 0,
      subagents: 3,
      waits: /runs 3 of at most 3 sub-agent runs/,
    },
    {
      name: 'room on both counts',
      limits: { maxConcurrent: 3, maxChildrenPerAgent: 2 },
      children: 1,
      subagents: 2,
      waits: undefined,
    },
  ];
  for (const testCase of subagentCases) {
    it(`sub-agent run with ${testCase.name}`, () => {
      const plan = planRun(
        observe({
          run: subagentRun,
          parent: parentRun,
          instance: boundInstance(testCase.limits),
          policy: subagentPolicy,
          activeChildrenOfParent: testCase.children,
          activeSubagentsOfInstance: testCase.subagents,
        }),
        options,
      );
      if (testCase.waits) {
        assert.equal(plan.createJob, undefined);
        assert.equal(condition(plan, 'Scheduled')?.reason, 'WaitingForCapacity');
        assert.match(condition(plan, 'Scheduled')?.message ?? '', testCase.waits);
      } else {
        assert.ok(plan.createJob);
      }
    });
  }

  it('fails a run the policy forbids, with the reason, and creates nothing', () => {
    const policy: ClawPolicy = policyFixture((p) => void (p.spec.featureGates = { 'sub-agents': false }));
    const instance: ClawInstance = instanceFixture((i) => void (i.spec.policyRef = 'default-policy'));
    const plan = planRun(observe({ run: subagentRun, parent: parentRun, instance, policy }), options);
    assert.equal(plan.createJob, undefined);
    assert.equal(plan.status.phase, 'Failed');
    assert.equal(condition(plan, 'Completed')?.reason, 'PolicyViolation');
    assert.match(plan.status.error ?? '', /sub-agents/);
  });

  it('mounts the skills of packs that exist', () => {
    const pack: SkillPack = skillPackFixture();
    const instance = instanceFixture((i) => void (i.spec.skills = [{ skillPackRef: 'k8s-ops' }]));
    const plan = planRun(observe({ instance, skillPacks: new Map([['k8s-ops', pack]]) }), options);
    assert.ok(JSON.stringify(plan.createJob).includes('k8s-ops/triage-alerts/SKILL.md'));
  });
});

describe("planRun and the instance's memory ConfigMap", () => {
  const memoryVolume = (plan: ReturnType<typeof planRun>) =>
    plan.createJob?.spec.template.spec.volumes?.find((v) => v.configMap?.name === 'alice-memory');
  const tools = (plan: ReturnType<typeof planRun>) =>
    JSON.stringify(plan.createJob?.spec.template.spec.containers[0]?.env ?? []);

  it('mounts memory only from the ConfigMap the instance owns', () => {
    const plan = planRun(observe(), options);
    assert.ok(memoryVolume(plan));
    assert.match(tools(plan), /update_memory/);
  });

  it('waits while the ConfigMap is not there yet', () => {
    const plan = planRun(observe({ memoryConfigMap: undefined }), options);
    assert.equal(plan.createJob, undefined);
    assert.equal(condition(plan, 'Scheduled')?.reason, 'MemoryNotReady');
    assert.match(condition(plan, 'Scheduled')?.message ?? '', /ConfigMap alice-memory/);
  });

  it("runs without memory when the ConfigMap is someone else's", () => {
    const foreign = planRun(observe({ memoryConfigMap: { ownedByInstance: false } }), options);
    assert.ok(foreign.createJob);
    assert.equal(memoryVolume(foreign), undefined);
    assert.doesNotMatch(tools(foreign), /update_memory/);
    // a user's ConfigMap has no K8sClaw labels, so only the instance's status reports it
    const reported = planRun(
      observe({
        memoryConfigMap: undefined,
        instance: instanceFixture((i) => {
          i.status = {
            conditions: [
              {
                type: 'MemoryReady',
                status: 'False',
                reason: 'ConfigMapNotOwned',
                message: 'not ours',
                lastTransitionTime: now.toISOString(),
              },
            ],
          };
        }),
      }),
      options,
    );
    assert.ok(reported.createJob);
    assert.equal(memoryVolume(reported), undefined);
  });

  it('needs no ConfigMap when memory is off', () => {
    const plan = planRun(
      observe({
        memoryConfigMap: undefined,
        instance: instanceFixture((i) => void (i.spec.memory = { enabled: false })),
      }),
      options,
    );
    assert.ok(plan.createJob);
    assert.equal(memoryVolume(plan), undefined);
  });
});

describe('planRun once the Job exists', () => {
  const job = (conditions: ObservedJob['conditions'] = [], completionTime?: string): ObservedJob => ({
    conditions,
    ...(completionTime ? { completionTime } : {}),
  });
  const pod = (agent: ObservedPod['agent']): ObservedPod => ({
    name: 'agentrun-alice-hello-x1',
    startTime: '2026-03-01T11:59:00Z',
    ...(agent ? { agent } : {}),
  });

  it('never creates a second Job, and stays Pending until the agent starts', () => {
    const plan = planRun(observe({ job: job(), pod: pod(undefined) }), options);
    assert.equal(plan.createJob, undefined);
    assert.equal(plan.status.phase, 'Pending');
    assert.equal(plan.status.podName, 'agentrun-alice-hello-x1');
  });

  it('is Running while the agent container runs', () => {
    const plan = planRun(
      observe({ job: job(), pod: pod({ running: { startedAt: '2026-03-01T11:59:30Z' } }) }),
      options,
    );
    assert.equal(plan.status.phase, 'Running');
    assert.equal(plan.status.startedAt, '2026-03-01T11:59:30.000Z');
    assert.equal(condition(plan, 'Running')?.status, 'True');
  });

  it('Succeeded with times, duration and exit code when the Job completes', () => {
    const plan = planRun(
      observe({
        job: job([{ type: 'Complete', status: 'True' }], '2026-03-01T12:01:05Z'),
        pod: pod({
          terminated: { exitCode: 0, startedAt: '2026-03-01T11:59:30Z', finishedAt: '2026-03-01T12:01:04Z' },
        }),
      }),
      noGrace,
    );
    assert.equal(plan.status.phase, 'Succeeded');
    assert.equal(plan.status.completedAt, '2026-03-01T12:01:05.000Z');
    assert.equal(plan.status.duration, '1m35s');
    assert.equal(plan.status.exitCode, 0);
    assert.equal(condition(plan, 'Ready')?.status, 'True');
  });

  it('plans a run that finishes now as finished: its TTL, and its Job with cleanup: delete', () => {
    const finishing = (cleanup: 'delete' | 'keep', ttlSecondsAfterFinished: number) =>
      planRun(
        observe({
          run: runFixture((run) => {
            run.spec.cleanup = cleanup;
            run.spec.ttlSecondsAfterFinished = ttlSecondsAfterFinished;
          }),
          job: job([{ type: 'Complete', status: 'True' }], '2026-03-01T12:00:00Z'),
        }),
        noGrace,
      );
    const kept = finishing('keep', 3600);
    assert.equal(kept.status.phase, 'Succeeded');
    assert.equal(kept.deleteJob, undefined);
    assert.equal(kept.requeueAfterMs, 3_600_000);
    const cleaned = finishing('delete', 60);
    assert.equal(cleaned.deleteJob, true);
    assert.equal(cleaned.requeueAfterMs, 60_000);
    // a TTL of 0: deleted once the finished status is written, never before
    const immediate = finishing('keep', 0);
    assert.equal(immediate.deleteRun, undefined);
    assert.equal(immediate.requeueAfterMs, 1_000);
  });

  it('Failed with DeadlineExceeded when the Job ran out of time', () => {
    const plan = planRun(
      observe({
        job: job([
          {
            type: 'Failed',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ]),
      }),
      noGrace,
    );
    assert.equal(plan.status.phase, 'Failed');
    assert.equal(condition(plan, 'Completed')?.reason, 'DeadlineExceeded');
    assert.match(plan.status.error ?? '', /timeout/);
  });

  it("Failed with the agent's termination message and exit code", () => {
    const plan = planRun(
      observe({
        job: job([{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]),
        pod: pod({ terminated: { exitCode: 3, message: 'provider returned 401' } }),
      }),
      noGrace,
    );
    assert.equal(plan.status.phase, 'Failed');
    assert.equal(plan.status.exitCode, 3);
    assert.equal(plan.status.error, 'provider returned 401');
  });

  const recordedRun = (reason: string, message: string) =>
    runFixture((run) => {
      run.status = {
        phase: 'Running',
        conditions: [
          {
            type: 'ResultRecorded',
            status: 'True',
            reason,
            message,
            lastTransitionTime: '2026-03-01T11:59:59Z',
          },
        ],
      };
    });

  it('waits for the result from the bus for a grace period after the Job finished', () => {
    const plan = planRun(
      observe({ job: job([{ type: 'Complete', status: 'True' }], '2026-03-01T11:59:55Z') }),
      { ...options, resultGraceMs: 20_000 },
    );
    assert.equal(plan.status.phase, 'Running');
    assert.equal(condition(plan, 'Running')?.reason, 'WaitingForResult');
    assert.equal(plan.requeueAfterMs, 15_000);
    assert.equal(plan.recordResult, undefined);
  });

  it("finishes at once when the result is recorded, with the runner's reason and error", () => {
    const plan = planRun(
      observe({
        run: recordedRun('ProviderUnauthorized', 'openai answered 401: invalid api key'),
        job: job(
          [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }],
          '2026-03-01T11:59:59Z',
        ),
        pod: pod({ terminated: { exitCode: 1, message: 'ignored' } }),
      }),
      { ...options, resultGraceMs: 60_000 },
    );
    assert.equal(plan.status.phase, 'Failed');
    assert.equal(plan.status.error, 'openai answered 401: invalid api key');
    assert.equal(condition(plan, 'Completed')?.reason, 'ProviderUnauthorized');
    assert.equal(plan.recordResult, undefined);
  });

  it('finishes when the agent exited and its result is recorded, before the Job completes', () => {
    const exited = (exitCode: number) =>
      pod({
        terminated: { exitCode, startedAt: '2026-03-01T11:59:30Z', finishedAt: '2026-03-01T11:59:58Z' },
      });
    const succeeded = planRun(
      observe({
        run: recordedRun('Succeeded', 'result received through the event bus'),
        job: job(),
        pod: exited(0),
      }),
      options,
    );
    assert.equal(succeeded.status.phase, 'Succeeded');
    assert.equal(succeeded.status.completedAt, '2026-03-01T11:59:58.000Z');
    const failed = planRun(
      observe({ run: recordedRun('ToolLoopLimit', 'still calling tools'), job: job(), pod: exited(1) }),
      options,
    );
    assert.equal(failed.status.phase, 'Failed');
    assert.equal(condition(failed, 'Completed')?.reason, 'ToolLoopLimit');
    // without a result the Job decides: a killed agent may have hit the Job's deadline
    const unrecorded = planRun(observe({ job: job(), pod: exited(137) }), options);
    assert.equal(unrecorded.status.phase, 'Running');
    assert.match(condition(unrecorded, 'Running')?.message ?? '', /exited; waiting for its Job/);
  });

  it('uses the termination message once the grace period is over and no result came', () => {
    const message = JSON.stringify({
      status: 'failed',
      error: 'the model was still calling tools after 3 steps',
      reason: 'ToolLoopLimit',
      usage: { input: 10, output: 5 },
      toolCalls: 3,
      memoryUpdates: [],
    });
    const plan = planRun(
      observe({
        job: job([{ type: 'Failed', status: 'True' }], '2026-03-01T11:59:00Z'),
        pod: pod({ terminated: { exitCode: 1, message } }),
      }),
      { ...options, resultGraceMs: 20_000 },
    );
    assert.equal(plan.status.phase, 'Failed');
    assert.equal(plan.recordResult?.source, 'termination-message');
    assert.equal(plan.recordResult?.result.toolCalls, 3);
    assert.equal(plan.status.error, 'the model was still calling tools after 3 steps');
    assert.equal(condition(plan, 'Completed')?.reason, 'ToolLoopLimit');
  });
});

describe('planRun after the run finished', () => {
  it('waits for the TTL and then deletes the run', () => {
    const run = finishedRun(
      'Succeeded',
      '2026-03-01T11:00:00Z',
      (r) => void (r.spec.ttlSecondsAfterFinished = 7200),
    );
    const early = planRun(observe({ run }), options);
    assert.equal(early.deleteRun, undefined);
    assert.equal(early.requeueAfterMs, 3_600_000);
    const late = planRun(observe({ run, now: new Date('2026-03-01T13:00:01Z') }), options);
    assert.equal(late.deleteRun, true);
  });

  it('deletes the Job of a finished run with cleanup: delete, and keeps it with keep', () => {
    const finished = (cleanup: 'delete' | 'keep') =>
      planRun(
        observe({
          run: finishedRun('Failed', '2026-03-01T11:59:00Z', (r) => void (r.spec.cleanup = cleanup)),
          job: { conditions: [] },
        }),
        options,
      );
    assert.equal(finished('delete').deleteJob, true);
    assert.equal(finished('keep').deleteJob, undefined);
  });

  it('never recreates a Job for a finished run whose Job is gone', () => {
    const plan = planRun(observe({ run: finishedRun('Succeeded', '2026-03-01T11:59:00Z') }), options);
    assert.equal(plan.createJob, undefined);
    assert.equal(plan.status.phase, 'Succeeded');
  });
});

describe('planRun for a run with sub-agents', () => {
  const children = [
    { name: 'alice-hello-sub-1', jobName: 'agentrun-alice-hello-sub-1' },
    { name: 'alice-hello-sub-2' },
  ];

  it('stops the unfinished sub-agents of a run that has ended', () => {
    const plan = planRun(
      observe({ run: finishedRun('Succeeded', '2026-03-01T11:59:00Z'), unfinishedChildren: children }),
      options,
    );
    assert.deepEqual(plan.stopChildren, children);
  });

  it('stops them in the reconcile that sees the run end', () => {
    const running = runFixture((run) => {
      run.status = { phase: 'Running', jobName: 'agentrun-alice-hello' };
    });
    const plan = planRun(
      observe({
        run: running,
        job: { conditions: [{ type: 'Complete', status: 'True' }], completionTime: '2026-03-01T11:59:30Z' },
        unfinishedChildren: children,
      }),
      noGrace,
    );
    assert.equal(plan.status.phase, 'Succeeded');
    assert.deepEqual(plan.stopChildren, children);
  });

  it('leaves the sub-agents of a running run alone', () => {
    const running = runFixture((run) => {
      run.status = { phase: 'Running', jobName: 'agentrun-alice-hello' };
    });
    const plan = planRun(
      observe({ run: running, job: { conditions: [] }, unfinishedChildren: children }),
      options,
    );
    assert.equal(plan.stopChildren, undefined);
  });
});

describe('planRun for a sub-agent whose parent no longer waits', () => {
  const parent = (status: AgentRun['status']) =>
    runFixture((run) => {
      Object.assign(run.metadata, { name: 'lead', uid: 'uid-lead' });
      run.status = status;
    });
  const child = (modify: (run: AgentRun) => void = () => undefined) =>
    runFixture(subagentOf({ name: 'lead', uid: 'uid-lead' }), (run) => {
      Object.assign(run.metadata, { name: 'lead-sub-1', uid: 'uid-child' });
      modify(run);
    });
  /** An instance whose policy allows sub-agents. */
  const allowed = {
    instance: instanceFixture((i) => void (i.spec.policyRef = 'default-policy')),
    policy: policyFixture((p) => void (p.spec.featureGates = { 'sub-agents': true })),
  };
  const running = { conditions: [] };
  const pod: ObservedPod = { name: 'agentrun-lead-sub-1-x1', agent: { running: {} } };

  it('never starts one whose parent has ended or is gone: it fails as Cancelled, without a Job', () => {
    for (const [observed, by] of [
      [parent({ phase: 'Succeeded' }), 'parent run lead, which ended'],
      [undefined, 'parent run lead, which is gone'],
    ] as const) {
      const plan = planRun(
        observe({ run: child(), ...allowed, ...(observed ? { parent: observed } : {}) }),
        options,
      );
      assert.equal(plan.createJob, undefined);
      assert.equal(plan.createBusCredentials, undefined);
      assert.equal(plan.status.phase, 'Failed');
      assert.equal(plan.status.error, `cancelled by ${by}`);
      assert.equal(condition(plan, 'Completed')?.reason, 'Cancelled');
    }
  });

  it('starts one whose parent runs', () => {
    const plan = planRun(
      observe({
        run: child(),
        parent: parent({ phase: 'Running' }),
        ...allowed,
      }),
      options,
    );
    assert.ok(plan.createJob, plan.status.error);
    assert.equal(plan.cancel, undefined);
  });

  it('cancels a running one whose parent has ended: the mark, then its Job deleted', () => {
    const started = child((run) => void (run.status = { phase: 'Running', jobName: 'agentrun-lead-sub-1' }));
    const plan = planRun(
      observe({ run: started, parent: parent({ phase: 'Failed' }), job: running, pod }),
      options,
    );
    assert.deepEqual(plan.cancel, { by: 'parent run lead, which ended', jobName: 'agentrun-lead-sub-1' });
    assert.equal(plan.status.phase, 'Running');
    // once marked it is not marked again; its Job gone, it fails as Cancelled
    const marked = child((run) => {
      run.metadata.annotations = { 'k8sclaw.io/cancelled-by': 'parent run lead, which ended' };
      run.status = { phase: 'Running', jobName: 'agentrun-lead-sub-1' };
    });
    const again = planRun(
      observe({ run: marked, parent: parent({ phase: 'Failed' }), job: running, pod }),
      options,
    );
    assert.equal(again.cancel, undefined);
    // one whose result is recorded has answered: it is left to finish by itself
    const answered = child((run) => {
      run.status = {
        phase: 'Running',
        jobName: 'agentrun-lead-sub-1',
        conditions: [
          {
            type: 'ResultRecorded',
            status: 'True',
            reason: 'Succeeded',
            message: '',
            lastTransitionTime: '2026-03-01T11:59:00Z',
          },
        ],
      };
    });
    assert.equal(
      planRun(observe({ run: answered, parent: parent({ phase: 'Failed' }), job: running, pod }), options)
        .cancel,
      undefined,
    );
    const gone = planRun(
      observe({ run: marked, parent: parent({ phase: 'Failed' }), jobGone: true }),
      options,
    );
    assert.equal(gone.status.error, 'cancelled by parent run lead, which ended');
    assert.equal(condition(gone, 'Completed')?.reason, 'Cancelled');
  });
});

describe('formatDuration', () => {
  for (const [seconds, text] of [
    [0, '0s'],
    [59.4, '59s'],
    [95, '1m35s'],
    [3600, '1h0m'],
    [7322, '2h2m'],
  ] as const) {
    it(`${seconds}s → ${text}`, () => assert.equal(formatDuration(seconds), text));
  }
});
