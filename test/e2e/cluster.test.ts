// Proves the local cluster is a real Kubernetes node: it is Ready, runs a Job from one of our
// locally built images to completion with readable logs, and gives pods cluster DNS and Services.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { e2eKubeClient, localImage } from '../harness/e2e.ts';
import { eventually } from '../harness/eventually.ts';
import { createTestNamespace, deleteTestNamespace } from '../harness/test-namespace.ts';

describe('local cluster', () => {
  const kube = e2eKubeClient();
  const image = localImage('k8sclaw');
  let namespace = '';
  before(async () => {
    namespace = await createTestNamespace(kube, 'cluster', { waitForDefaultServiceAccount: true });
  });
  after(async () => {
    await deleteTestNamespace(kube, namespace);
  });

  it('has a Ready node running our kubelet version', async () => {
    const nodes = await kube.core.listNode();
    assert.equal(nodes.items.length, 1);
    const node = nodes.items[0];
    assert.ok(
      node?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
      'node must be Ready',
    );
    assert.match(node?.status?.nodeInfo?.kubeletVersion ?? '', /^v1\.\d+\.\d+$/);
    assert.match(node?.status?.nodeInfo?.containerRuntimeVersion ?? '', /^containerd:\/\//);
  });

  it('runs a Job from a locally built image to completion and serves its logs', async () => {
    await kube.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'version' },
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [{ name: 'k8sclaw', image, imagePullPolicy: 'Never', args: ['version'] }],
            },
          },
        },
      },
    });
    await eventually(
      'the Job to succeed',
      async () => {
        const job = await kube.batch.readNamespacedJob({ name: 'version', namespace });
        if ((job.status?.failed ?? 0) > 0) throw new Error('the Job failed');
        return (job.status?.succeeded ?? 0) === 1 ? job : undefined;
      },
      120_000,
      500,
    );
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'job-name=version' });
    const podName = pods.items[0]?.metadata?.name ?? '';
    const logs = await kube.core.readNamespacedPodLog({ name: podName, namespace, container: 'k8sclaw' });
    assert.match(logs, /^k8sclaw \d+\.\d+\.\d+ \(node v24\./);
  });

  it('lets a pod resolve a Service by its DNS name and reach it', async () => {
    const server =
      "require('node:http').createServer((q, s) => s.end('pong from ' + process.env.HOSTNAME)).listen(8080)";
    await kube.core.createNamespacedPod({
      namespace,
      body: {
        metadata: { name: 'echo', labels: { app: 'echo' } },
        spec: {
          containers: [
            {
              name: 'echo',
              image,
              imagePullPolicy: 'Never',
              command: ['node', '-e', server],
              ports: [{ containerPort: 8080 }],
              readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
            },
          ],
        },
      },
    });
    await kube.core.createNamespacedService({
      namespace,
      body: {
        metadata: { name: 'echo' },
        spec: { selector: { app: 'echo' }, ports: [{ port: 80, targetPort: 8080 }] },
      },
    });
    const client = `fetch('http://echo.${namespace}.svc.cluster.local/').then(async (r) => { console.log(r.status, await r.text()); process.exit(r.ok ? 0 : 1); }, (e) => { console.error(e.cause ?? e); process.exit(1); })`;
    await kube.batch.createNamespacedJob({
      namespace,
      body: {
        metadata: { name: 'client' },
        spec: {
          backoffLimit: 4,
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                { name: 'client', image, imagePullPolicy: 'Never', command: ['node', '-e', client] },
              ],
            },
          },
        },
      },
    });
    await eventually(
      'the client Job to reach the Service',
      async () => {
        const job = await kube.batch.readNamespacedJob({ name: 'client', namespace });
        return (job.status?.succeeded ?? 0) === 1 ? job : undefined;
      },
      120_000,
      500,
    );
    const pods = await kube.core.listNamespacedPod({ namespace, labelSelector: 'job-name=client' });
    const succeeded = pods.items.find((p) => p.status?.phase === 'Succeeded');
    const logs = await kube.core.readNamespacedPodLog({ name: succeeded?.metadata?.name ?? '', namespace });
    assert.match(logs, /^200 pong from echo/);
  });
});
