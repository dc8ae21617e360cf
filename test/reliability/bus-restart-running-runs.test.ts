// Reliability: nats-server restarted while 100 runs are running. Their bridges publish completions
// before, during and after the outage (each with its run's own credentials, retrying as the bridge
// does); every result is recorded exactly once: each run Succeeded with its own answer, each
// completion recorded by the controller once, and each run's memory entry in the instance's memory
// once. No kubelet runs here: the test stands in for the bridges and the kubelet.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiVersion, labels, type AgentRun, type RunIdentity } from '../../src/api/index.ts';
import { accountSignerOf, createBusAuthority, type EventBus } from '../../src/eventbus/index.ts';
import { KubeClient } from '../../src/kube/index.ts';
import { instanceManifest, runManifest } from '../fixtures/k8sclaw-objects.ts';
import { startControlPlane, type ControlPlane } from '../harness/control-plane.ts';
import { startControllerProcess, type ControllerProcess } from '../harness/controller-process.ts';
import { installCrds } from '../harness/crds.ts';
import { eventually } from '../harness/eventually.ts';
import { startNatsServer, type NatsServer } from '../harness/nats-server.ts';
import {
  buildCompletedEvent,
  connectRunBridge,
  readHandledCompletions,
  terminateAgentContainer,
} from '../harness/run-stand-ins.ts';
import { createTestNamespace } from '../harness/test-namespace.ts';

const group = { group: 'k8sclaw.io', version: 'v1alpha1' };
const runs = 100;
const instanceName = 'steady';

const fact = (run: string) => `Run ${run} remembers this.`;
const occurrences = (text: string, part: string) => text.split(part).length - 1;

/** Runs `work` over `items`, `width` at a time. */
async function inParallel<T>(items: readonly T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < items.length; i = next++) await work(items[i] as T);
    }),
  );
}

describe('controller: the event bus restarted during 100 running runs', () => {
  let controlPlane: ControlPlane;
  let kube: KubeClient;
  let nats: NatsServer;
  let controller: ControllerProcess;
  let dir = '';
  let namespace = '';
  const bridges: EventBus[] = [];
  before(async () => {
    // the Job controller makes the pods; the service-account controller the namespace's default account
    controlPlane = await startControlPlane({ controllerManager: true });
    kube = KubeClient.fromKubeconfigFile(controlPlane.kubeconfigPath);
    await installCrds(kube);
    namespace = await createTestNamespace(kube, 'bus-restart', { waitForDefaultServiceAccount: true });
    const authority = await createBusAuthority();
    nats = await startNatsServer({ authority });
    dir = await mkdtemp(path.join(os.tmpdir(), 'k8sclaw-bus-restart-'));
    const signerFile = path.join(dir, 'signer.json');
    await writeFile(signerFile, JSON.stringify(accountSignerOf(authority)), { mode: 0o600 });
    controller = await startControllerProcess({
      kubeconfig: controlPlane.kubeconfigPath,
      namespace,
      identity: 'steady',
      env: {
        EVENT_BUS_URL: nats.url,
        K8SCLAW_BUS_ACCOUNT_SIGNER_FILE: signerFile,
        K8SCLAW_RESULT_GRACE_SECONDS: '3',
      },
    });
  });
  after(async () => {
    await Promise.allSettled(bridges.map((bridge) => bridge.close()));
    await controller?.stop();
    await nats?.destroy();
    await controlPlane?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const create = (plural: string, body: object) =>
    kube.customObjects.createNamespacedCustomObject({ ...group, namespace, plural, body });
  const listRuns = async () =>
    (
      (await kube.customObjects.listNamespacedCustomObject({ ...group, namespace, plural: 'agentruns' })) as {
        items: AgentRun[];
      }
    ).items;
  const readMemory = async () =>
    (await kube.core.readNamespacedConfigMap({ name: `${instanceName}-memory`, namespace })).data?.[
      'MEMORY.md'
    ] ?? '';

  it('records every result exactly once', { timeout: 600_000 }, async () => {
    await create('clawpolicies', {
      apiVersion,
      kind: 'ClawPolicy',
      metadata: { name: 'memory-on', namespace },
      spec: { featureGates: { 'memory-write': true } },
    });
    await create(
      'clawinstances',
      instanceManifest(
        instanceName,
        namespace,
        { maxConcurrentRuns: runs },
        { policyRef: 'memory-on', memory: { enabled: true } },
      ),
    );
    await eventually('the memory ConfigMap', async () =>
      (await readMemory()).startsWith(`# Memory of ${instanceName}`) ? true : undefined,
    );

    const names = Array.from({ length: runs }, (_, i) => `run-${i}`);
    await inParallel(names, 20, async (name) => {
      await create('agentruns', runManifest(name, namespace, instanceName));
    });
    const started = await eventually(
      'a Job for every run',
      async () => {
        const items = await listRuns();
        return items.length === runs && items.every((run) => run.status?.jobName) ? items : undefined;
      },
      120_000,
      500,
    );
    const identities: RunIdentity[] = started.map((run) => ({
      namespace,
      instance: instanceName,
      run: run.metadata.name ?? '',
      runUid: run.metadata.uid ?? '',
    }));
    const bridgeOf = new Map<string, EventBus>();
    await inParallel(identities, 10, async (identity) => {
      const bridge = await connectRunBridge(kube, nats.url, identity);
      bridges.push(bridge);
      bridgeOf.set(identity.run, bridge);
    });

    // a third publish before the outage, a third while the server is away (each publish waits for
    // JetStream to return, as the bridge's do) and the rest once it is back
    const publish = (index: number) => {
      const identity = identities[index] as RunIdentity;
      return bridgeOf.get(identity.run)?.publishRunEvent(
        buildCompletedEvent(identity, {
          response: `done ${identity.run}`,
          memoryUpdates: [fact(identity.run)],
        }),
        { timeoutMs: 60_000 },
      );
    };
    const indexes = identities.map((_, i) => i);
    await inParallel(indexes.slice(0, 33), 10, async (i) => void (await publish(i)));
    await nats.stop();
    const during = inParallel(indexes.slice(33, 66), 33, async (i) => void (await publish(i)));
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await nats.restart();
    await during;
    await inParallel(indexes.slice(66), 10, async (i) => void (await publish(i)));

    await inParallel(identities, 10, (identity) => terminateAgentContainer(kube, namespace, identity.run, 0));
    const finished = await eventually(
      'every run Succeeded with its result recorded',
      async () => {
        const items = await listRuns();
        const done = items.filter(
          (run) =>
            run.status?.phase === 'Succeeded' &&
            run.status.conditions?.some((c) => c.type === 'ResultRecorded' && c.status === 'True'),
        );
        return done.length === runs ? items : undefined;
      },
      180_000,
      1_000,
    );

    for (const run of finished) assert.equal(run.status?.result, `done ${run.metadata.name}`);
    const handled = readHandledCompletions([controller.process.spec.logFile]).filter(
      (completion) => completion.namespace === namespace && completion.recorded,
    );
    for (const name of names) {
      assert.equal(
        handled.filter((completion) => completion.run === name).length,
        1,
        `${name} recorded once`,
      );
    }
    const memory = await readMemory();
    for (const name of names) assert.equal(occurrences(memory, `- ${fact(name)}\n`), 1, `${name}: ${memory}`);
    const jobs = await kube.batch.listNamespacedJob({ namespace, labelSelector: labels.run });
    assert.equal(jobs.items.length, runs, 'one Job per run');
  });
});
