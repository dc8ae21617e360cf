import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Pod } from '../kube/index.ts';
import { describeContainerState } from './container-state.ts';

describe('describeContainerState', () => {
  const cases: {
    name: string;
    pod: V1Pod;
    container?: string;
    expected: ReturnType<typeof describeContainerState>;
  }[] = [
    {
      name: 'a pod on no node yet',
      pod: { spec: { containers: [{ name: 'agent' }] }, status: { phase: 'Pending' } },
      expected: { started: false, reason: 'its pod is not on a node yet' },
    },
    {
      name: 'an image still being pulled',
      pod: {
        spec: { nodeName: 'n', containers: [{ name: 'agent' }] },
        status: { containerStatuses: [statusOf('agent', { waiting: { reason: 'ContainerCreating' } })] },
      },
      expected: { started: false, reason: 'it is waiting: ContainerCreating' },
    },
    {
      name: 'on a node, no status yet',
      pod: { spec: { nodeName: 'n', containers: [{ name: 'agent' }] }, status: { phase: 'Pending' } },
      expected: { started: false, reason: 'its pod is Pending' },
    },
    {
      name: 'a running container',
      pod: { status: { containerStatuses: [statusOf('agent', { running: {} })] } },
      expected: { started: true },
    },
    {
      name: 'a container that ended keeps its log',
      pod: { status: { containerStatuses: [statusOf('agent', { terminated: { exitCode: 0 } })] } },
      expected: { started: true },
    },
    {
      name: 'a native sidecar reports as an init container',
      pod: {
        spec: { nodeName: 'n', containers: [] },
        status: { initContainerStatuses: [statusOf('ipc-bridge', { running: {} })] },
      },
      container: 'ipc-bridge',
      expected: { started: true },
    },
  ];
  for (const c of cases)
    it(c.name, () => assert.deepEqual(describeContainerState(c.pod, c.container ?? 'agent'), c.expected));
});

function statusOf(name: string, state: object) {
  return { name, state, image: 'i', imageID: '', ready: false, restartCount: 0 } as never;
}
