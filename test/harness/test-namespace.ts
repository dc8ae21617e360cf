// A fresh namespace per test file, labelled so that leftovers are easy to find, deleted afterwards.
// When a controller-manager runs, waits for the namespace's `default` ServiceAccount, because the
// ServiceAccount admission plugin rejects Pods until it exists.
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { isNotFound, type KubeClient } from '../../src/kube/index.ts';

export const testNamespaceLabel = 'test.k8sclaw.io/suite';

export function buildTestNamespaceName(suite: string): string {
  const stem = suite
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `t-${stem}-${randomBytes(3).toString('hex')}`;
}

export async function createTestNamespace(
  kube: KubeClient,
  suite: string,
  options: { waitForDefaultServiceAccount?: boolean; timeoutMs?: number } = {},
): Promise<string> {
  const name = buildTestNamespaceName(suite);
  await kube.core.createNamespace({
    body: {
      metadata: {
        name,
        labels: { [testNamespaceLabel]: suite.slice(0, 63).replace(/[^A-Za-z0-9_.-]/g, '-') },
      },
    },
  });
  if (options.waitForDefaultServiceAccount) {
    const deadline = Date.now() + (options.timeoutMs ?? 30_000);
    for (;;) {
      try {
        await kube.core.readNamespacedServiceAccount({ name: 'default', namespace: name });
        break;
      } catch (error) {
        if (!isNotFound(error) || Date.now() > deadline) throw error;
        await sleep(200);
      }
    }
  }
  return name;
}

export async function deleteTestNamespace(kube: KubeClient, name: string): Promise<void> {
  try {
    await kube.core.deleteNamespace({ name });
  } catch (error) {
    if (!isNotFound(error)) throw error;
  }
}
