import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBusAuthority } from '../../eventbus/index.ts';
import {
  accountSignerKey,
  busAuthorityKey,
  configHashAnnotation,
  withBusAuthority,
} from './bus-authority.ts';
import type { Manifest } from './manifests.ts';

const manifests = (): Manifest[] => [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'k8sclaw-system' } },
  {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'k8sclaw-nats', namespace: 'k8sclaw-system' },
    data: { 'nats.conf': 'listen: 0.0.0.0:4222\n' },
  },
  {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'k8sclaw-nats', namespace: 'k8sclaw-system' },
    spec: { template: { metadata: { labels: { app: 'nats' } }, spec: {} } },
  },
];

describe('withBusAuthority', () => {
  it('stores the authority right after the namespace and gives NATS the operator and account', async () => {
    const authority = await createBusAuthority();
    const result = withBusAuthority(manifests(), authority);
    assert.deepEqual(
      result.map((m) => m.kind),
      ['Namespace', 'Secret', 'ConfigMap', 'StatefulSet'],
    );
    const secret = result[1] as Manifest & { data: Record<string, string> };
    const decode = (key: string) => JSON.parse(Buffer.from(secret.data[key] ?? '', 'base64').toString());
    assert.deepEqual(decode(busAuthorityKey), authority);
    // the controller's key holds the account signer only, never the operator
    assert.deepEqual(decode(accountSignerKey), {
      accountPublicKey: authority.account.publicKey,
      signingSeed: authority.account.signingKey.seed,
    });
    const config = (result[2]?.data as Record<string, string>)['nats.conf'] ?? '';
    assert.match(config, /^listen: 0\.0\.0\.0:4222\n/);
    assert.match(config, /operator:/);
    assert.ok(config.includes(authority.account.publicKey));
    assert.ok(!config.includes(authority.account.signingKey.seed), 'no seed in the NATS configuration');
  });

  it('annotates the NATS pods with a hash of the configuration, stable for the same authority', async () => {
    const authority = await createBusAuthority();
    const hashOf = (list: Manifest[]) =>
      (list[3]?.spec as { template: { metadata: { annotations: Record<string, string> } } }).template.metadata
        .annotations[configHashAnnotation];
    const first = hashOf(withBusAuthority(manifests(), authority));
    assert.match(first ?? '', /^[0-9a-f]{16}$/);
    assert.equal(hashOf(withBusAuthority(manifests(), authority)), first);
    assert.notEqual(hashOf(withBusAuthority(manifests(), await createBusAuthority())), first);
  });
});
