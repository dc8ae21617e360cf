import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { annotations, labels, type AgentRun, type RunIdentity } from '../../api/index.ts';
import {
  instanceFixture,
  namespace,
  policyFixture,
  runFixture,
  withPolicy,
} from '../../../test/fixtures/k8sclaw-objects.ts';
import { subagentRunName } from '../../orchestrator/index.ts';
import { planSpawn, type SpawnObservation } from './plan-spawn.ts';

const parent = runFixture((run) => {
  run.metadata.name = 'lead';
  run.metadata.uid = 'uid-lead';
  run.spec.toolPolicy = { deny: ['fetch_url'] };
  run.status = { phase: 'Running', jobName: 'agentrun-lead' };
});
const requester: RunIdentity = { namespace, instance: 'alice', run: 'lead', runUid: 'uid-lead' };
const gatesOn = policyFixture((p) => void (p.spec.featureGates = { 'sub-agents': true }));
const instance = instanceFixture(withPolicy, (i) => {
  i.spec.agents.default.subagents = { maxDepth: 2, maxConcurrent: 3, maxChildrenPerAgent: 2 };
});

function observe(overrides: Partial<SpawnObservation> = {}): SpawnObservation {
  return {
    requester,
    request: { requestId: 'req-1', task: 'Count the files.' },
    parent,
    instance,
    policy: gatesOn,
    runs: [parent],
    ...overrides,
  };
}

/** An unfinished (or finished) sub-agent run of `of`. */
function child(
  name: string,
  of: AgentRun = parent,
  phase?: 'Running' | 'Succeeded' | 'ResultRecorded',
): AgentRun {
  return runFixture((run) => {
    run.metadata.name = name;
    run.metadata.uid = `uid-${name}`;
    run.metadata.ownerReferences = [
      {
        apiVersion: 'k8sclaw.io/v1alpha1',
        kind: 'AgentRun',
        name: of.metadata.name,
        uid: of.metadata.uid ?? '',
      },
    ];
    run.spec.parent = { runName: of.metadata.name, spawnDepth: 1 };
    if (phase === 'ResultRecorded') {
      const recorded = { type: 'ResultRecorded', status: 'True' as const, reason: 'Succeeded', message: '' };
      run.status = {
        phase: 'Running',
        conditions: [{ ...recorded, lastTransitionTime: '2026-03-01T12:00:00Z' }],
      };
    } else if (phase) run.status = { phase };
  });
}

describe('planSpawn', () => {
  it('creates the child one level deeper, on the parent instance, owned by the parent', () => {
    const plan = planSpawn(observe());
    assert.equal(plan.kind, 'create');
    if (plan.kind !== 'create') return;
    const { metadata, spec } = plan.child;
    assert.equal(metadata.name, subagentRunName('lead', 'req-1'));
    assert.equal(metadata.namespace, namespace);
    assert.equal(metadata.labels?.[labels.parentRun], 'lead');
    assert.equal(metadata.annotations?.[annotations.subagentRequest], 'req-1');
    assert.deepEqual(
      metadata.ownerReferences?.map((o) => [o.kind, o.name, o.uid, o.controller]),
      [['AgentRun', 'lead', 'uid-lead', true]],
    );
    assert.deepEqual(spec.parent, { runName: 'lead', spawnDepth: 1 });
    assert.equal(spec.instanceRef, 'alice');
    assert.equal(spec.task, 'Count the files.');
    assert.deepEqual(spec.toolPolicy, { deny: ['fetch_url'] }, "the parent's tool limits carry over");
  });

  it('takes spawn_subagent out of an inherited allow list when the child may not spawn', () => {
    const allowing = (depth: number) =>
      runFixture((run) => {
        Object.assign(run.metadata, { name: 'lead', uid: 'uid-lead' });
        run.spec.toolPolicy = { allow: ['read_file', 'spawn_subagent'] };
        if (depth > 0) run.spec.parent = { runName: 'top', spawnDepth: depth };
      });
    const deep = instanceFixture(withPolicy, (i) => {
      i.spec.agents.default.subagents = { maxDepth: 2 };
    });
    const allowOf = (plan: ReturnType<typeof planSpawn>) =>
      plan.kind === 'create' ? plan.child.spec.toolPolicy?.allow : plan.kind;
    // the child at depth 1 of 2 may spawn further; the one at depth 2 may not
    assert.deepEqual(allowOf(planSpawn(observe({ parent: allowing(0), instance: deep }))), [
      'read_file',
      'spawn_subagent',
    ]);
    assert.deepEqual(allowOf(planSpawn(observe({ parent: allowing(1), instance: deep }))), ['read_file']);
  });

  it('finds the child an earlier delivery of the same request created, and makes no second one', () => {
    const earlier = planSpawn(observe());
    assert.equal(earlier.kind, 'create');
    if (earlier.kind !== 'create') return;
    const created = { ...earlier.child, metadata: { ...earlier.child.metadata, uid: 'uid-child' } };
    const again = planSpawn(observe({ runs: [parent, created] }));
    assert.equal(again.kind, 'exists');
  });

  const refusals: { name: string; observation: Partial<SpawnObservation>; message: RegExp }[] = [
    {
      name: 'the sub-agents feature gate is off',
      observation: { policy: policyFixture() },
      message: /spawn_subagent is not among the tools of run lead/,
    },
    {
      name: 'the parent is at the maximum depth',
      observation: {
        parent: runFixture((run) => {
          Object.assign(run.metadata, { name: 'lead', uid: 'uid-lead' });
          run.spec.parent = { runName: 'top', spawnDepth: 2 };
        }),
      },
      message: /is at spawn depth 2, the maximum depth 2/,
    },
    {
      name: 'the parent has maxChildrenPerAgent children running',
      observation: { runs: [parent, child('c1'), child('c2')] },
      message: /parent run lead has 2 of at most 2 sub-agent runs running; wait for one to finish/,
    },
    {
      name: 'the instance runs maxConcurrent sub-agents',
      observation: {
        runs: [
          parent,
          child('c1'),
          child(
            'o1',
            runFixture((r) => Object.assign(r.metadata, { name: 'other', uid: 'u-o' })),
          ),
          child(
            'o2',
            runFixture((r) => Object.assign(r.metadata, { name: 'other2', uid: 'u-o2' })),
          ),
        ],
      },
      message: /instance alice runs 3 of at most 3 sub-agent runs/,
    },
    {
      name: 'the instance is gone',
      observation: { instance: undefined },
      message: /instance alice not found/,
    },
  ];
  for (const { name, observation, message } of refusals) {
    it(`refuses when ${name}`, () => {
      const plan = planSpawn(observe(observation));
      assert.equal(plan.kind, 'refuse');
      if (plan.kind === 'refuse') assert.match(plan.message, message);
    });
  }

  it('counts a child whose result is recorded as ended, while its Job winds down', () => {
    assert.equal(
      planSpawn(observe({ runs: [parent, child('c1', parent, 'ResultRecorded'), child('c2')] })).kind,
      'create',
    );
    assert.equal(
      planSpawn(observe({ runs: [parent, child('c1', parent, 'Running'), child('c2')] })).kind,
      'refuse',
    );
  });

  it('counts only unfinished children against the limits', () => {
    const plan = planSpawn(
      observe({
        runs: [parent, child('c1', parent, 'Succeeded'), child('c2', parent, 'Succeeded'), child('c3')],
      }),
    );
    assert.equal(plan.kind, 'create');
  });

  it('ignores requests of a parent that is gone or replaced: there is nobody to answer', () => {
    assert.equal(planSpawn(observe({ parent: undefined })).kind, 'ignore');
    assert.equal(planSpawn(observe({ requester: { ...requester, runUid: 'uid-old' } })).kind, 'ignore');
  });

  it('refuses, and creates no child, for a parent that has ended or whose result is recorded', () => {
    const ended = (status: AgentRun['status']) =>
      runFixture((run) => {
        Object.assign(run.metadata, { name: 'lead', uid: 'uid-lead' });
        run.status = status;
      });
    const recorded = {
      type: 'ResultRecorded',
      status: 'True' as const,
      reason: 'Succeeded',
      message: '',
      lastTransitionTime: '2026-03-01T12:00:00Z',
    };
    for (const parent of [
      ended({ phase: 'Succeeded' }),
      ended({ phase: 'Failed' }),
      ended({ phase: 'Running', conditions: [recorded] }),
    ]) {
      const plan = planSpawn(observe({ parent, runs: [parent] }));
      assert.deepEqual(plan, { kind: 'refuse', message: 'run lead has ended: it starts no more sub-agents' });
    }
  });

  it('refuses when a run of the child name exists that is not its child', () => {
    const namesake = runFixture((run) => void (run.metadata.name = subagentRunName('lead', 'req-1')));
    const plan = planSpawn(observe({ runs: [parent, namesake] }));
    assert.equal(plan.kind, 'refuse');
  });
});
