import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { channelTypes, type ChannelType } from '../api/index.ts';
import { buildChannelBusCredentialsSecret } from './build-channel-bus-credentials.ts';
import { buildChannelDeployment, buildChannelService, type ChannelSpec } from './build-channel-deployment.ts';
import { instanceFixture } from '../../test/fixtures/k8sclaw-objects.ts';
import type { DeploymentManifest, EnvVar } from './kubernetes-manifests.ts';

const options = {
  image: 'localhost/k8sclaw/channel:0.1.0',
  eventBusUrl: 'nats://k8sclaw-nats.k8sclaw-system.svc:4222',
};

function deploymentFor(channel: ChannelSpec): DeploymentManifest {
  return buildChannelDeployment(instanceFixture(), channel, options);
}
const envOf = (deployment: DeploymentManifest): EnvVar[] =>
  deployment.spec.template.spec.containers[0]?.env ?? [];
const envVar = (deployment: DeploymentManifest, name: string) =>
  envOf(deployment).find((e) => e.name === name);

const tokens: Record<ChannelType, string> = {
  telegram: 'TELEGRAM_BOT_TOKEN',
  slack: 'SLACK_BOT_TOKEN',
  discord: 'DISCORD_BOT_TOKEN',
  whatsapp: 'WHATSAPP_ACCESS_TOKEN',
};

describe('buildChannelDeployment', () => {
  for (const type of channelTypes) {
    it(`${type}: <instance>-channel-${type} reads ${tokens[type]} from the channel Secret`, () => {
      const deployment = deploymentFor({ type, secretRef: { name: `alice-${type}` } });
      assert.equal(deployment.metadata.name, `alice-channel-${type}`);
      assert.deepEqual(envVar(deployment, tokens[type]), {
        name: tokens[type],
        valueFrom: { secretKeyRef: { name: `alice-${type}`, key: tokens[type] } },
      });
      assert.equal(deployment.metadata.labels['k8sclaw.io/channel'], type);
      assert.equal(deployment.spec.selector.matchLabels['k8sclaw.io/channel'], type);
    });
  }

  it('runs one replica, replaced by Recreate, selected by its own labels', () => {
    const deployment = deploymentFor({ type: 'telegram', secretRef: { name: 'alice-telegram' } });
    assert.equal(deployment.apiVersion, 'apps/v1');
    assert.equal(deployment.metadata.namespace, 'team-a');
    assert.equal(deployment.spec.replicas, 1);
    assert.deepEqual(deployment.spec.strategy, { type: 'Recreate' });
    const podLabels = deployment.spec.template.metadata.labels;
    for (const [key, value] of Object.entries(deployment.spec.selector.matchLabels)) {
      assert.equal(podLabels[key], value, key);
    }
    assert.equal(podLabels['k8sclaw.io/instance'], 'alice');
    assert.equal(podLabels['app.kubernetes.io/component'], 'channel');
  });

  it('passes the instance, the event bus and access control', () => {
    const deployment = deploymentFor({
      type: 'telegram',
      secretRef: { name: 'alice-telegram' },
      accessControl: { allowedSenders: ['alice'], denyMessage: 'Only alice.' },
    });
    const values = Object.fromEntries(envOf(deployment).map((e) => [e.name, e.value]));
    assert.equal(values.INSTANCE_NAME, 'alice');
    assert.equal(values.K8SCLAW_INSTANCE_UID, 'uid-instance-alice');
    assert.equal(values.EVENT_BUS_URL, options.eventBusUrl);
    assert.equal(values.K8SCLAW_BUS_CREDENTIALS_FILE, undefined);
    assert.equal(values.K8SCLAW_CHANNEL_TYPE, 'telegram');
    assert.deepEqual(JSON.parse(values.K8SCLAW_ACCESS_CONTROL ?? ''), {
      allowedSenders: ['alice'],
      denyMessage: 'Only alice.',
    });
  });

  it('open access control is an empty document', () => {
    const deployment = deploymentFor({ type: 'discord', secretRef: { name: 'd' } });
    assert.equal(envVar(deployment, 'K8SCLAW_ACCESS_CONTROL')?.value, '{}');
  });

  it('extra keys a channel can use are optional', () => {
    const deployment = deploymentFor({ type: 'slack', secretRef: { name: 'alice-slack' } });
    for (const key of ['SLACK_APP_TOKEN', 'SLACK_SIGNING_SECRET', 'K8SCLAW_SLACK_API_URL']) {
      assert.deepEqual(envVar(deployment, key), {
        name: key,
        valueFrom: { secretKeyRef: { name: 'alice-slack', key, optional: true } },
      });
    }
    const telegram = deploymentFor({ type: 'telegram', secretRef: { name: 'alice-telegram' } });
    for (const key of ['TELEGRAM_WEBHOOK_URL', 'TELEGRAM_WEBHOOK_SECRET']) {
      assert.deepEqual(envVar(telegram, key), {
        name: key,
        valueFrom: { secretKeyRef: { name: 'alice-telegram', key, optional: true } },
      });
    }
    const discord = deploymentFor({ type: 'discord', secretRef: { name: 'alice-discord' } });
    assert.deepEqual(envVar(discord, 'K8SCLAW_DISCORD_API_URL'), {
      name: 'K8SCLAW_DISCORD_API_URL',
      valueFrom: { secretKeyRef: { name: 'alice-discord', key: 'K8SCLAW_DISCORD_API_URL', optional: true } },
    });
  });

  it('whatsapp needs its phone number id, verify token and app secret; its API URL is optional', () => {
    const deployment = deploymentFor({ type: 'whatsapp', secretRef: { name: 'alice-whatsapp' } });
    for (const key of ['WHATSAPP_PHONE_NUMBER_ID', 'WHATSAPP_VERIFY_TOKEN', 'WHATSAPP_APP_SECRET']) {
      assert.deepEqual(envVar(deployment, key), {
        name: key,
        valueFrom: { secretKeyRef: { name: 'alice-whatsapp', key } },
      });
    }
    assert.deepEqual(envVar(deployment, 'K8SCLAW_WHATSAPP_API_URL'), {
      name: 'K8SCLAW_WHATSAPP_API_URL',
      valueFrom: {
        secretKeyRef: { name: 'alice-whatsapp', key: 'K8SCLAW_WHATSAPP_API_URL', optional: true },
      },
    });
  });

  it('is hardened and holds no Kubernetes credentials', () => {
    const pod = deploymentFor({ type: 'telegram', secretRef: { name: 't' } }).spec.template.spec;
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.enableServiceLinks, false);
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.deepEqual(pod.securityContext.seccompProfile, { type: 'RuntimeDefault' });
    for (const container of pod.containers) {
      assert.deepEqual(container.securityContext, {
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        capabilities: { drop: ['ALL'] },
      });
      assert.ok(container.resources?.limits);
    }
  });

  it('is owned by the instance', () => {
    const deployment = deploymentFor({ type: 'whatsapp', secretRef: { name: 'w' } });
    assert.deepEqual(deployment.metadata.ownerReferences, [
      {
        apiVersion: 'k8sclaw.io/v1alpha1',
        kind: 'ClawInstance',
        name: 'alice',
        uid: 'uid-instance-alice',
        controller: true,
        blockOwnerDeletion: true,
      },
    ]);
  });

  it('mounts the channel bus credentials when there are some, read-only', () => {
    const deployment = buildChannelDeployment(
      instanceFixture(),
      { type: 'telegram', secretRef: { name: 't' } },
      { ...options, busCredentialsSecretName: 'alice-channel-telegram-bus' },
    );
    const pod = deployment.spec.template.spec;
    assert.equal(envVar(deployment, 'K8SCLAW_BUS_CREDENTIALS_FILE')?.value, '/var/run/k8sclaw/bus/bus.creds');
    assert.deepEqual(
      pod.containers[0]?.volumeMounts?.find((mount) => mount.name === 'bus-credentials'),
      { name: 'bus-credentials', mountPath: '/var/run/k8sclaw/bus', readOnly: true },
    );
    assert.deepEqual(
      pod.volumes?.find((volume) => volume.name === 'bus-credentials'),
      {
        name: 'bus-credentials',
        secret: {
          secretName: 'alice-channel-telegram-bus',
          items: [{ key: 'bus.creds', path: 'bus.creds' }],
          defaultMode: 0o440,
        },
      },
    );
  });

  it('keeps the bus credentials in a Secret owned by the instance', () => {
    const secret = buildChannelBusCredentialsSecret(instanceFixture(), 'telegram', {
      text: 'CREDS',
      version: '0a1b2c3d',
    });
    assert.equal(secret.metadata.name, 'alice-channel-telegram-bus-0a1b2c3d');
    assert.equal(secret.metadata.namespace, instanceFixture().metadata.namespace);
    assert.deepEqual(secret.stringData, { 'bus.creds': 'CREDS' });
    assert.equal(secret.metadata.ownerReferences?.[0]?.uid, 'uid-instance-alice');
  });

  it('fits the longest instance name into a DNS label', () => {
    const instance = instanceFixture((i) => void (i.metadata.name = 'x'.repeat(42)));
    const deployment = buildChannelDeployment(
      instance,
      { type: 'whatsapp', secretRef: { name: 'w' } },
      options,
    );
    assert.equal(deployment.metadata.name, `${'x'.repeat(42)}-channel-whatsapp`);
    assert.ok(deployment.metadata.name.length <= 63);
  });

  it('is ready only when the program says so, and says why it stopped where the kubelet reads it', () => {
    const deployment = deploymentFor({ type: 'telegram', secretRef: { name: 't' } });
    const container = deployment.spec.template.spec.containers[0];
    assert.deepEqual(container?.readinessProbe?.httpGet, { path: '/readyz', port: 'health' });
    assert.deepEqual(container?.livenessProbe?.httpGet, { path: '/healthz', port: 'health' });
    assert.deepEqual(
      container?.ports?.map((p) => [p.name, p.containerPort]),
      [
        ['webhook', 8080],
        ['health', 8081],
      ],
    );
    assert.equal(envVar(deployment, 'K8SCLAW_HEALTH_PORT')?.value, '8081');
    assert.equal(envVar(deployment, 'K8SCLAW_WEBHOOK_PORT')?.value, '8080');
    assert.equal(envVar(deployment, 'K8SCLAW_TERMINATION_MESSAGE_FILE')?.value, '/dev/termination-log');
  });

  it('has a Service of the same name selecting exactly its pod, for webhooks', () => {
    const instance = instanceFixture();
    const deployment = buildChannelDeployment(instance, { type: 'slack', secretRef: { name: 's' } }, options);
    const service = buildChannelService(instance, 'slack');
    assert.equal(service.metadata.name, deployment.metadata.name);
    assert.deepEqual(service.spec.selector, deployment.spec.selector.matchLabels);
    assert.deepEqual(
      service.spec.ports.map((p) => [p.name, p.port, p.targetPort]),
      [
        ['webhook', 80, 'webhook'],
        ['metrics', 8081, 'health'],
      ],
    );
    assert.equal(service.metadata.ownerReferences[0]?.uid, 'uid-instance-alice');
  });
});
