// What the admission rules need from the cluster, read directly from the kube-apiserver on each
// request (no cache; a policy's bound instances are one list of the namespace's instances): admission must judge against the policy as it is now, and a handful of GETs
// per create costs less than a stale answer or list/watch rights on every kind. Whether the
// requester may read a Secret is asked with a SubjectAccessReview on the admission request's user.
import {
  agentRunKind,
  clawInstanceKind,
  clawPolicyKind,
  resourceOf,
  skillPackKind,
  type AgentRun,
  type ClawInstance,
  type ClawPolicy,
  type SkillPack,
} from '../api/index.ts';
import { undefinedIfNotFound, type KubeClient } from '../kube/index.ts';
import type { AdmissionUserInfo } from './admission-review.ts';

export interface AdmissionReads {
  instance(namespace: string, name: string): Promise<ClawInstance | undefined>;
  policy(namespace: string, name: string): Promise<ClawPolicy | undefined>;
  /** An AgentRun (a sub-agent's parent), undefined when it does not exist. */
  run(namespace: string, name: string): Promise<AgentRun | undefined>;
  skillPackExists(namespace: string, name: string): Promise<boolean>;
  /** The ClawInstances of the namespace whose spec.policyRef names the policy. */
  instancesBoundTo(namespace: string, policyName: string): Promise<ClawInstance[]>;
  mayGetSecret(user: AdmissionUserInfo, namespace: string, name: string): Promise<boolean>;
}

export function kubeAdmissionReads(kube: KubeClient): AdmissionReads {
  const get = <T>(kind: typeof clawInstanceKind | typeof agentRunKind, namespace: string, name: string) =>
    undefinedIfNotFound(
      kube.customObjects.getNamespacedCustomObject({ ...resourceOf(kind), namespace, name }) as Promise<T>,
    );
  return {
    instance: (namespace, name) => get<ClawInstance>(clawInstanceKind, namespace, name),
    policy: (namespace, name) => get<ClawPolicy>(clawPolicyKind, namespace, name),
    run: (namespace, name) => get<AgentRun>(agentRunKind, namespace, name),
    skillPackExists: async (namespace, name) =>
      (await get<SkillPack>(skillPackKind, namespace, name)) !== undefined,
    async instancesBoundTo(namespace, policyName) {
      const list = (await kube.customObjects.listNamespacedCustomObject({
        ...resourceOf(clawInstanceKind),
        namespace,
      })) as { items: ClawInstance[] };
      return list.items.filter((instance) => instance.spec.policyRef === policyName);
    },
    async mayGetSecret(user, namespace, name) {
      const review = await kube.authorization.createSubjectAccessReview({
        body: {
          spec: {
            ...(user.username === undefined ? {} : { user: user.username }),
            ...(user.uid === undefined ? {} : { uid: user.uid }),
            ...(user.groups === undefined ? {} : { groups: user.groups }),
            ...(user.extra === undefined ? {} : { extra: user.extra }),
            resourceAttributes: { namespace, verb: 'get', group: '', resource: 'secrets', name },
          },
        },
      });
      return review.status?.allowed === true;
    },
  };
}
