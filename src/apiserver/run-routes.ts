// Creating, deleting and cancelling AgentRuns. The API server writes with its own ServiceAccount
// and field manager, after the caller's SubjectAccessReview allowed the kubectl-equivalent verb;
// it records the caller's name on what it writes, since the apiserver's audit log sees only us.
//
// Cancel: an AgentRun's spec is immutable and its phase is the controller's, so a run is cancelled
// by deleting its Job (the run's only worker). The controller then fails the run (reason Cancelled,
// read from the annotation; its Job is created at most once, so it is never started again). The run is first annotated with
// who cancelled it and when. A run whose Job does not exist yet cannot be cancelled (409: delete it
// instead); a finished run neither.
import type { Static } from '@sinclair/typebox';
import {
  agentRunKind,
  annotations,
  apiVersion,
  fieldManagers,
  group,
  version,
  type AgentRun,
} from '../api/index.ts';
import { ignoreNotFound, undefinedIfNotFound } from '../kube/index.ts';
import { agentJobName } from '../orchestrator/index.ts';
import { ApiError, apiErrorCodes } from './api-error.ts';
import { createRunBodySchema, deletedSchema, resourceSchema } from './api-schemas.ts';
import { presentObject } from './present-object.ts';
import { namespacePath } from './resource-routes.ts';
import { k8sclawResource } from './resource-access.ts';
import type { RouteDefinition } from './route-definition.ts';

const runsPath = `${namespacePath}/runs`;
const runResource = { group, version, plural: agentRunKind.plural };

type CreateRunBody = Static<typeof createRunBodySchema>;

/** The AgentRun the API server creates for a request body (pure). */
export function buildRunFromRequest(body: CreateRunBody, namespace: string, requestedBy: string): AgentRun {
  const metadata = body.metadata ?? {};
  const naming = metadata.name
    ? { name: metadata.name }
    : { generateName: metadata.generateName ?? `${body.spec.instanceRef.slice(0, 56)}-` };
  return {
    apiVersion,
    kind: 'AgentRun',
    metadata: {
      ...naming,
      namespace,
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      annotations: { ...metadata.annotations, [annotations.requestedBy]: requestedBy },
    } as AgentRun['metadata'],
    spec: body.spec,
  };
}

export const createRunRoute: RouteDefinition = {
  method: 'post',
  path: runsPath,
  operationId: 'createAgentRun',
  summary: 'Create an AgentRun: the controller starts its Job.',
  tag: 'runs',
  requestBody: createRunBodySchema,
  response: { status: 201, description: 'The AgentRun as created.', schema: resourceSchema(agentRunKind) },
  access: ({ namespace = '' }) => [k8sclawResource('create', agentRunKind.plural, namespace)],
  handle: async ({ kube, params, body, caller }) => {
    const namespace = params.namespace ?? '';
    const run = buildRunFromRequest(body as CreateRunBody, namespace, caller.username);
    return presentObject(
      await kube.customObjects.createNamespacedCustomObject({
        ...runResource,
        namespace,
        body: run,
        fieldManager: fieldManagers.apiServer,
        fieldValidation: 'Strict',
      }),
    );
  },
};

export const deleteRunRoute: RouteDefinition = {
  method: 'delete',
  path: `${runsPath}/{name}`,
  operationId: 'deleteAgentRun',
  summary: 'Delete an AgentRun; its Job and pod go with it.',
  tag: 'runs',
  response: { status: 200, description: 'The run is being deleted.', schema: deletedSchema },
  access: ({ namespace = '', name }) => [k8sclawResource('delete', agentRunKind.plural, namespace, name)],
  handle: async ({ kube, params }) => {
    const namespace = params.namespace ?? '';
    const name = params.name ?? '';
    await kube.customObjects.deleteNamespacedCustomObject({
      ...runResource,
      namespace,
      name,
      propagationPolicy: 'Background',
    });
    return { namespace, name, deleted: true };
  },
};

const conflict = (message: string) => new ApiError(409, { code: apiErrorCodes.conflict, message });

/** Why a run cannot be cancelled now, or undefined when it can (pure). */
export function whyNotCancellable(run: AgentRun): string | undefined {
  const phase = run.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed')
    return `run ${run.metadata.name} has already finished (${phase})`;
  if (!run.status?.jobName) {
    return `run ${run.metadata.name} has not started its Job yet: delete the run to stop it`;
  }
  return undefined;
}

export const cancelRunRoute: RouteDefinition = {
  method: 'post',
  path: `${runsPath}/{name}/cancel`,
  operationId: 'cancelAgentRun',
  summary: 'Cancel a running AgentRun: its Job is deleted and the run fails (reason Cancelled).',
  tag: 'runs',
  response: {
    status: 202,
    description: 'The run is annotated as cancelled and its Job is being deleted.',
    schema: resourceSchema(agentRunKind),
  },
  // cancelling changes the run (an annotation, then its phase through the controller): what
  // `kubectl annotate` would need; the run's own Job is an implementation detail of the run
  access: ({ namespace = '', name }) => [k8sclawResource('patch', agentRunKind.plural, namespace, name)],
  handle: async ({ kube, params, caller, now }) => {
    const namespace = params.namespace ?? '';
    const name = params.name ?? '';
    const run = (await kube.customObjects.getNamespacedCustomObject({
      ...runResource,
      namespace,
      name,
    })) as AgentRun;
    const refusal = whyNotCancellable(run);
    if (refusal) throw conflict(refusal);
    const jobName = agentJobName(name);
    const job = await undefinedIfNotFound(kube.batch.readNamespacedJob({ name: jobName, namespace }));
    const jobUid = job?.metadata?.uid;
    const ownedByRun = (job?.metadata?.ownerReferences ?? []).some(
      (owner) => owner.controller === true && owner.uid === run.metadata.uid,
    );
    if (job && !ownedByRun)
      throw conflict(`Job ${jobName} does not belong to run ${name}; nothing was deleted`);
    const annotated = await kube.apply(
      {
        apiVersion,
        kind: agentRunKind.kind,
        metadata: {
          name,
          namespace,
          annotations: {
            [annotations.cancelledBy]: caller.username,
            [annotations.cancelledAt]: now().toISOString(),
          },
        },
      },
      fieldManagers.apiServer,
    );
    if (jobUid) {
      await ignoreNotFound(
        kube.batch.deleteNamespacedJob({
          name: jobName,
          namespace,
          propagationPolicy: 'Background',
          body: { preconditions: { uid: jobUid } },
        }),
      );
    }
    return presentObject(annotated);
  },
};
