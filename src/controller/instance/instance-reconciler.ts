// ClawInstance reconciler: observe (caches, plus a direct read only where a user's object of the same
// name may exist) → plan → apply (finalizer, memory ConfigMap, each changed channel's bus credentials,
// Service and Deployment) → status once. On deletion it stops the instance's unfinished runs, then
// releases its finalizer.
import {
  agentRunKind,
  clawInstanceKind,
  fieldManagers,
  finalizers,
  labels,
  resourceOf,
  type AgentRun,
  type ChannelType,
  type ClawInstance,
  type ClawPolicy,
  type SkillPack,
} from '../../api/index.ts';
import {
  isAlreadyExists,
  ignoreNotFound,
  undefinedIfNotFound,
  type EventRecorder,
  type KubeClient,
  type Reconcile,
  type ResourceInformer,
  type V1ConfigMap,
  type V1Deployment,
  type V1Pod,
} from '../../kube/index.ts';
import type { ChannelIdentity } from '../../eventbus/index.ts';
import { buildChannelBusCredentialsSecret, memoryConfigMapName } from '../../orchestrator/index.ts';
import { byInstance } from '../cache-indexes.ts';
import { isOwnedBy } from '../ownership.ts';
import { writeStatusIfChanged } from '../write-status.ts';
import {
  channelAppliedHashAnnotation,
  planInstance,
  planInstanceDeletion,
  type ChannelApply,
  type InstancePlanOptions,
  type ObservedChannelDeployment,
  type ObservedChannelPod,
} from './plan-instance.ts';

/** Signs event bus credentials that let one channel use only its own subjects. */
export type IssueChannelBusCredentials = (identity: ChannelIdentity) => Promise<string>;

export interface InstanceReconcilerDeps {
  kube: KubeClient;
  instances: ResourceInformer<ClawInstance>;
  runs: ResourceInformer<AgentRun>;
  policies: ResourceInformer<ClawPolicy>;
  skillPacks: ResourceInformer<SkillPack>;
  deployments: ResourceInformer<V1Deployment>;
  /** ConfigMaps with K8sClaw's labels. */
  configMaps: ResourceInformer<V1ConfigMap>;
  /** The pods of channel Deployments. */
  channelPods: ResourceInformer<V1Pod>;
  recorder: EventRecorder;
  now: () => Date;
  options: InstancePlanOptions;
  /** Required when `options.channelBusCredentials` is set. */
  issueChannelBusCredentials?: IssueChannelBusCredentials;
}

export function createInstanceReconciler(deps: InstanceReconcilerDeps): Reconcile {
  const { kube } = deps;
  const manager = fieldManagers.controller('clawinstance');
  const resource = resourceOf(clawInstanceKind);

  const removeFinalizer = async (instance: ClawInstance) => {
    const remaining = (instance.metadata.finalizers ?? []).filter((f) => f !== finalizers.instance);
    await ignoreNotFound(
      kube.customObjects.patchNamespacedCustomObject({
        ...resource,
        namespace: instance.metadata.namespace,
        name: instance.metadata.name,
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: instance.metadata.resourceVersion },
          { op: 'replace', path: '/metadata/finalizers', value: remaining },
        ],
      }),
    );
  };

  const observeChannels = (instance: ClawInstance): ObservedChannelDeployment[] => {
    const { namespace, name } = instance.metadata;
    const owned = deps.deployments
      .list(namespace)
      .filter((d) => d.metadata?.labels?.[labels.instance] === name && d.metadata?.labels?.[labels.channel]);
    if (owned.length === 0) return [];
    const pods = deps.channelPods.byIndex(byInstance, namespace, name);
    return owned.map((deployment) => {
      const type = deployment.metadata?.labels?.[labels.channel] as ChannelType;
      const channelPods = pods.filter((p) => p.metadata?.labels?.[labels.channel] === type);
      const containers = channelPods.flatMap((p) => p.status?.containerStatuses ?? []);
      const waiting = containers
        .map((c) => c.state?.waiting)
        .find((w) => w?.reason && w.reason !== 'ContainerCreating' && w.reason !== 'PodInitializing');
      const appliedHash = deployment.metadata?.annotations?.[channelAppliedHashAnnotation];
      const container = containers[0];
      const lastTermination = container?.lastState?.terminated?.message?.trim();
      const pod: ObservedChannelPod | undefined = container
        ? {
            ready: container.ready,
            restarts: container.restartCount,
            ...(lastTermination ? { lastTermination } : {}),
          }
        : undefined;
      return {
        type,
        name: deployment.metadata?.name ?? '',
        availableReplicas: deployment.status?.availableReplicas ?? 0,
        ...(appliedHash ? { appliedHash } : {}),
        ...(waiting?.reason
          ? { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } }
          : {}),
        ...(pod ? { pod } : {}),
      };
    });
  };

  /** Credentials (only when missing: a running pod may mount them), Service, then the Deployment. */
  const applyChannel = async (instance: ClawInstance, apply: ChannelApply) => {
    const namespace = instance.metadata.namespace;
    if (apply.busCredentials) {
      if (!deps.issueChannelBusCredentials) {
        throw new Error('channels need event bus credentials but the controller has no account signer');
      }
      const credentials = await deps.issueChannelBusCredentials({
        namespace,
        instance: instance.metadata.name,
        channel: apply.type,
      });
      try {
        await kube.core.createNamespacedSecret({
          namespace,
          body: buildChannelBusCredentialsSecret(instance, apply.type, {
            text: credentials,
            version: apply.busCredentials.version,
          }) as never,
        });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
    await kube.apply(apply.service, manager);
    await kube.apply(apply.deployment, manager);
  };

  return async (key) => {
    const [namespace = '', name = ''] = key.split('/');
    const instance = deps.instances.get(namespace, name);
    if (!instance) return;
    const runs = deps.runs.byIndex(byInstance, namespace, name);

    if (instance.metadata.deletionTimestamp) {
      if (!(instance.metadata.finalizers ?? []).includes(finalizers.instance)) return;
      const agentRuns = resourceOf(agentRunKind);
      for (const runName of planInstanceDeletion(
        runs.map((r) => ({ name: r.metadata.name, ...(r.status?.phase ? { phase: r.status.phase } : {}) })),
      )) {
        await ignoreNotFound(
          kube.customObjects.deleteNamespacedCustomObject({ ...agentRuns, namespace, name: runName }),
        );
      }
      await removeFinalizer(instance);
      return;
    }

    // the cache holds ConfigMaps with our labels; only one it lacks (not created yet, or a user's
    // of the same name) is read from the apiserver
    const memoryName = memoryConfigMapName(name);
    const memoryObject =
      deps.configMaps.get(namespace, memoryName) ??
      (await undefinedIfNotFound(kube.core.readNamespacedConfigMap({ name: memoryName, namespace })));
    const memoryConfigMap = memoryObject
      ? { ownedByInstance: isOwnedBy(memoryObject, instance.metadata.uid) }
      : undefined;
    const policyRef = instance.spec.policyRef;
    const plan = planInstance(
      {
        instance,
        ...(memoryConfigMap ? { memoryConfigMap } : {}),
        channelDeployments: observeChannels(instance),
        runPhases: runs.map((r) => r.status?.phase),
        policyMissing: policyRef !== undefined && !deps.policies.get(namespace, policyRef),
        missingSkillPacks: (instance.spec.skills ?? [])
          .map((s) => s.skillPackRef)
          .filter((pack) => !deps.skillPacks.get(namespace, pack)),
        now: deps.now(),
      },
      deps.options,
    );

    if (plan.addFinalizer) {
      await kube.customObjects.patchNamespacedCustomObject({
        ...resource,
        namespace,
        name,
        body: [
          { op: 'test', path: '/metadata/resourceVersion', value: instance.metadata.resourceVersion },
          {
            op: 'add',
            path: '/metadata/finalizers',
            value: [...(instance.metadata.finalizers ?? []), finalizers.instance],
          },
        ],
      });
      // the patch bumps the object; its watch event brings the next reconcile
      return;
    }
    if (plan.createMemoryConfigMap) {
      try {
        await kube.core.createNamespacedConfigMap({ namespace, body: plan.createMemoryConfigMap as never });
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
      }
    }
    for (const apply of plan.applyChannels) await applyChannel(instance, apply);
    for (const channel of plan.deleteChannels) {
      await ignoreNotFound(kube.apps.deleteNamespacedDeployment({ name: channel, namespace }));
      await ignoreNotFound(kube.core.deleteNamespacedService({ name: channel, namespace }));
    }
    await writeStatusIfChanged(kube, clawInstanceKind, instance, plan.status);
    if (plan.status.phase !== instance.status?.phase) {
      const ready = plan.status.conditions?.find((c) => c.type === 'Ready');
      await deps.recorder.record(
        instance,
        plan.status.phase === 'Ready' ? 'Normal' : 'Warning',
        plan.status.phase ?? 'Pending',
        ready?.message ?? '',
      );
    }
  };
}
