// kubectl's pod STATUS and RESTARTS, as a table of cases.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '../../kube/index.ts';

type V1ContainerStatus = NonNullable<NonNullable<V1Pod['status']>['containerStatuses']>[number];
import { podRestarts, podStatus } from './pod-rows.ts';

const container = (status: Partial<V1ContainerStatus>): V1ContainerStatus => ({
  name: 'main',
  ready: false,
  restartCount: 0,
  image: 'x',
  imageID: 'x',
  ...status,
});

describe('pod status', () => {
  const cases: { name: string; pod: V1Pod; status: string }[] = [
    { name: 'phase only', pod: { status: { phase: 'Pending' } }, status: 'Pending' },
    {
      name: 'a waiting container',
      pod: {
        status: {
          phase: 'Pending',
          containerStatuses: [container({ state: { waiting: { reason: 'ImagePullBackOff' } } })],
        },
      },
      status: 'ImagePullBackOff',
    },
    {
      name: 'a crashed container',
      pod: {
        status: {
          phase: 'Running',
          containerStatuses: [container({ state: { terminated: { exitCode: 1, reason: 'Error' } } })],
        },
      },
      status: 'Error',
    },
    {
      name: 'a finished pod',
      pod: {
        status: {
          phase: 'Succeeded',
          containerStatuses: [container({ state: { terminated: { exitCode: 0, reason: 'Completed' } } })],
        },
      },
      status: 'Completed',
    },
    {
      name: 'being deleted',
      pod: { metadata: { deletionTimestamp: new Date() }, status: { phase: 'Running' } },
      status: 'Terminating',
    },
    { name: 'nothing known', pod: {}, status: '<none>' },
  ];
  for (const c of cases) it(c.name, () => assert.equal(podStatus(c.pod), c.status));

  it('restarts add up over init (sidecar) and main containers', () => {
    const pod: V1Pod = {
      status: {
        initContainerStatuses: [container({ restartCount: 2 })],
        containerStatuses: [container({ restartCount: 1 }), container({ restartCount: 0 })],
      },
    };
    assert.equal(podRestarts(pod), 3);
  });
});
