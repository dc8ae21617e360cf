import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { instanceFixture } from '../../../test/fixtures/k8sclaw-objects.ts';
import {
  planInstance,
  planInstanceDeletion,
  type InstanceObservation,
  type ObservedChannelDeployment,
} from './plan-instance.ts';

const now = new Date('2026-03-01T12:00:00Z');
const options = { channelImage: (type: string) => `channel-${type}:1`, eventBusUrl: 'nats://bus:4222' };
const withFinalizer = instanceFixture((i) => void (i.metadata.finalizers = ['k8sclaw.io/instance-cleanup']));
const observe = (overrides: Partial<InstanceObservation> = {}): InstanceObservation => ({
  instance: withFinalizer,
  memoryConfigMap: { ownedByInstance: true },
  channelDeployments: [],
  runPhases: [],
  policyMissing: false,
  missingSkillPacks: [],
  now,
  ...overrides,
});

describe('planInstance', () => {
  it('adds its finalizer first', () => {
    assert.equal(planInstance(observe({ instance: instanceFixture() }), options).addFinalizer, true);
    assert.equal(planInstance(observe(), options).addFinalizer, false);
  });

  it('creates the memory ConfigMap only when none exists, never over an existing one', () => {
    assert.equal(
      planInstance(observe({ memoryConfigMap: undefined }), options).createMemoryConfigMap?.metadata.name,
      'alice-memory',
    );
    assert.equal(planInstance(observe(), options).createMemoryConfigMap, undefined);
    const conflict = planInstance(observe({ memoryConfigMap: { ownedByInstance: false } }), options);
    assert.equal(conflict.createMemoryConfigMap, undefined);
    assert.equal(conflict.status.phase, 'Error');
    assert.equal(conflict.status.memoryConfigMap, undefined);
  });

  it('builds a Deployment per channel and deletes those of removed channels', () => {
    const instance = instanceFixture((i) => {
      i.metadata.finalizers = ['k8sclaw.io/instance-cleanup'];
      i.spec.channels = [{ type: 'telegram', secretRef: { name: 't' } }];
    });
    const plan = planInstance(
      observe({
        instance,
        channelDeployments: [{ type: 'slack', name: 'alice-channel-slack', availableReplicas: 1 }],
      }),
      options,
    );
    assert.deepEqual(
      plan.applyChannels.map((c) => [c.deployment.metadata.name, c.service.metadata.name]),
      [['alice-channel-telegram', 'alice-channel-telegram']],
    );
    assert.deepEqual(plan.deleteChannels, ['alice-channel-slack']);
  });

  it('writes a channel only when it differs from what was last applied', () => {
    const instance = instanceFixture((i) => {
      i.metadata.finalizers = ['k8sclaw.io/instance-cleanup'];
      i.spec.channels = [{ type: 'telegram', secretRef: { name: 't' } }];
    });
    const first = planInstance(observe({ instance }), options).applyChannels[0];
    const appliedHash = first?.deployment.metadata.annotations?.['k8sclaw.io/applied-hash'];
    assert.match(appliedHash ?? '', /^[0-9a-f]{16}$/);
    const applied = { type: 'telegram' as const, name: 'alice-channel-telegram', availableReplicas: 1 };
    const again = planInstance(
      observe({ instance, channelDeployments: [{ ...applied, ...(appliedHash ? { appliedHash } : {}) }] }),
      options,
    );
    assert.deepEqual(again.applyChannels, []);
    // a changed access list is a changed Deployment
    const changed = instanceFixture((i) => {
      i.metadata.finalizers = ['k8sclaw.io/instance-cleanup'];
      i.spec.channels = [
        { type: 'telegram', secretRef: { name: 't' }, accessControl: { allowedSenders: ['ada'] } },
      ];
    });
    const plan = planInstance(
      observe({
        instance: changed,
        channelDeployments: [{ ...applied, ...(appliedHash ? { appliedHash } : {}) }],
      }),
      options,
    );
    assert.equal(plan.applyChannels.length, 1);
  });

  it('gives each channel its own bus credentials when the bus requires them, new ones when they would change', () => {
    const instance = instanceFixture((i) => {
      i.metadata.finalizers = ['k8sclaw.io/instance-cleanup'];
      i.spec.channels = [{ type: 'slack', secretRef: { name: 's' } }];
    });
    const planWith = (accountPublicKey: string) =>
      planInstance(observe({ instance }), { ...options, channelBusCredentials: { accountPublicKey } })
        .applyChannels[0];
    const withCredentials = planWith('ACCOUNT-A');
    const secretName = withCredentials?.busCredentials?.secretName ?? '';
    assert.match(secretName, /^alice-channel-slack-bus-[0-9a-f]{8}$/);
    assert.equal(
      withCredentials?.deployment.spec.template.spec.volumes.find((v) => v.secret)?.secret?.secretName,
      secretName,
    );
    assert.equal(planWith('ACCOUNT-A')?.busCredentials?.secretName, secretName, 'stable');
    // another bus authority signs: credentials of its own, in a Secret of their own
    assert.notEqual(planWith('ACCOUNT-B')?.busCredentials?.secretName, secretName);
    const [without] = planInstance(observe({ instance }), options).applyChannels;
    assert.equal(without?.busCredentials, undefined);
  });

  it('reports each channel as its pod shows it: connected when ready, else why not', () => {
    const instance = instanceFixture((i) => {
      i.metadata.finalizers = ['k8sclaw.io/instance-cleanup'];
      i.spec.channels = [{ type: 'telegram', secretRef: { name: 't' } }];
    });
    const statusWith = (observed: Partial<ObservedChannelDeployment>) => {
      const plan = planInstance(
        observe({
          instance,
          channelDeployments: [
            { type: 'telegram', name: 'alice-channel-telegram', availableReplicas: 0, ...observed },
          ],
        }),
        options,
      );
      const [channel] = plan.status.channels ?? [];
      return [plan.status.phase, channel?.status, channel?.message];
    };
    assert.deepEqual(statusWith({ pod: { ready: true, restarts: 0 }, availableReplicas: 1 }), [
      'Ready',
      'Connected',
      'receiving messages and delivering replies',
    ]);
    assert.deepEqual(statusWith({ pod: { ready: false, restarts: 0 } }), [
      'Ready',
      'Pending',
      'connecting to the service and the event bus',
    ]);
    assert.deepEqual(
      statusWith({
        pod: { ready: false, restarts: 3, lastTermination: "Call to 'getMe' failed! (401: Unauthorized)" },
        waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' },
      }),
      ['Degraded', 'Error', "the channel keeps stopping: Call to 'getMe' failed! (401: Unauthorized)"],
    );
    assert.deepEqual(
      statusWith({
        pod: { ready: false, restarts: 1, lastTermination: 'the event bus refused the credentials' },
      }),
      ['Degraded', 'Disconnected', 'restarted after: the event bus refused the credentials'],
    );
  });

  it('reports a channel whose pod cannot start as Unavailable and the instance as Degraded', () => {
    const instance = instanceFixture((i) => {
      i.metadata.finalizers = ['k8sclaw.io/instance-cleanup'];
      i.spec.channels = [{ type: 'discord', secretRef: { name: 'd' } }];
    });
    const plan = planInstance(
      observe({
        instance,
        channelDeployments: [
          {
            type: 'discord',
            name: 'alice-channel-discord',
            availableReplicas: 0,
            waiting: { reason: 'ErrImageNeverPull' },
          },
        ],
      }),
      options,
    );
    assert.equal(plan.status.phase, 'Degraded');
    assert.deepEqual(
      plan.status.channels?.map((c) => [c.type, c.status]),
      [['discord', 'Unavailable']],
    );
    assert.equal(plan.status.conditions?.find((c) => c.type === 'ChannelsReady')?.status, 'False');
  });

  it('counts active and total runs, and names missing references', () => {
    const plan = planInstance(
      observe({
        runPhases: ['Running', 'Pending', undefined, 'Succeeded', 'Failed'],
        policyMissing: true,
        missingSkillPacks: ['ops'],
      }),
      options,
    );
    assert.equal(plan.status.activeRuns, 3);
    assert.equal(plan.status.totalRuns, 5);
    assert.equal(plan.status.phase, 'Error');
    assert.match(
      plan.status.conditions?.find((c) => c.type === 'Ready')?.message ?? '',
      /ClawPolicy .* not found; SkillPack\(s\) not found: ops/,
    );
  });

  it('keeps the stored health-check time while a channel does not change (no status churn)', () => {
    const instance = instanceFixture((i) => {
      i.metadata.finalizers = ['k8sclaw.io/instance-cleanup'];
      i.spec.channels = [{ type: 'telegram', secretRef: { name: 't' } }];
    });
    const first = planInstance(observe({ instance }), options);
    const later = planInstance(
      observe({ instance: { ...instance, status: first.status }, now: new Date('2026-03-01T13:00:00Z') }),
      options,
    );
    assert.deepEqual(later.status, first.status);
  });
});

describe('planInstanceDeletion', () => {
  it('stops unfinished runs only', () => {
    assert.deepEqual(
      planInstanceDeletion([
        { name: 'a', phase: 'Running' },
        { name: 'b', phase: 'Succeeded' },
        { name: 'c' },
        { name: 'd', phase: 'Failed' },
      ]),
      ['a', 'c'],
    );
  });
});
