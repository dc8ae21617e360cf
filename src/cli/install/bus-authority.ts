// The event bus's trust root, made once per cluster by `k8sclaw install`: an operator, the account
// every K8sClaw component connects to, and its signing key. It lives in the Secret
// k8sclaw-bus-authority; a re-install reads it back, so existing credentials stay valid. NATS gets
// the public half in its configuration; the controller gets only the account signer.
import { createHash } from 'node:crypto';
import {
  accountSignerOf,
  createBusAuthority,
  renderServerAuthConfig,
  type BusAuthority,
} from '../../eventbus/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../../kube/index.ts';
import { installNamespace, type Manifest } from './manifests.ts';

export const busAuthoritySecretName = 'k8sclaw-bus-authority';
export const busAuthorityKey = 'authority.json';
export const accountSignerKey = 'account-signer.json';
const natsConfigMapName = 'k8sclaw-nats';
const natsStatefulSetName = 'k8sclaw-nats';
const natsConfigKey = 'nats.conf';
/** Changing it restarts NATS, which reads its configuration only at start. */
export const configHashAnnotation = 'k8sclaw.io/config-hash';

/** The authority stored by an earlier install, or a new one (`created`). */
export async function loadOrCreateBusAuthority(
  kube: KubeClient,
): Promise<{ authority: BusAuthority; created: boolean }> {
  const secret = await undefinedIfNotFound(
    kube.core.readNamespacedSecret({ name: busAuthoritySecretName, namespace: installNamespace }),
  );
  const encoded = secret?.data?.[busAuthorityKey];
  if (encoded) {
    return {
      authority: JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as BusAuthority,
      created: false,
    };
  }
  return { authority: await createBusAuthority(), created: true };
}

/** Adds the authority Secret after the namespace, and the server's auth settings to NATS. */
export function withBusAuthority(manifests: readonly Manifest[], authority: BusAuthority): Manifest[] {
  const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
  const secret: Manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: busAuthoritySecretName,
      namespace: installNamespace,
      labels: { 'app.kubernetes.io/part-of': 'k8sclaw', 'app.kubernetes.io/component': 'event-bus' },
    },
    type: 'Opaque',
    data: { [busAuthorityKey]: base64(authority), [accountSignerKey]: base64(accountSignerOf(authority)) },
  };
  const result: Manifest[] = [];
  let configHash = '';
  for (const original of manifests) {
    const manifest = structuredClone(original);
    if (manifest.kind === 'ConfigMap' && manifest.metadata.name === natsConfigMapName) {
      const data = manifest.data as Record<string, string>;
      data[natsConfigKey] = `${(data[natsConfigKey] ?? '').trimEnd()}\n${renderServerAuthConfig(authority)}`;
      configHash = createHash('sha256').update(data[natsConfigKey]).digest('hex').slice(0, 16);
    }
    result.push(manifest);
    if (manifest.kind === 'Namespace') result.push(secret);
  }
  for (const manifest of result) {
    if (manifest.kind !== 'StatefulSet' || manifest.metadata.name !== natsStatefulSetName) continue;
    const template = (manifest.spec as { template: { metadata?: { annotations?: Record<string, string> } } })
      .template;
    template.metadata = {
      ...template.metadata,
      annotations: { ...template.metadata?.annotations, [configHashAnnotation]: configHash },
    };
  }
  return result;
}
