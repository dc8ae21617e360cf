// A sub-agent's model override is its parent's, already admitted (pure). The controller copies the
// parent's spec.model into each child it creates, and creates it as its own ServiceAccount, which
// may not get Secrets; the child sends the same credentials to the same endpoint its parent was
// admitted to use, so asking the controller's rights again would refuse every child of such a parent
// while protecting nothing. Only the controller gets this: a user who may not get the Secret cannot
// borrow another user's override by naming their run as parent.
import type { AgentRun } from '../api/index.ts';

export interface InheritedOverrideCheck {
  run: AgentRun;
  /** The run of spec.parent.runName as the webhook read it now (undefined: none). */
  parent: AgentRun | undefined;
  /** Who creates the run, as the admission request names them. */
  username: string;
  /** The controller's user (its ServiceAccount's), the only creator of sub-agent runs. */
  controllerUsername: string | undefined;
}

/**
 * Whether the run's model override needs no review of the requester's rights: the controller
 * creates it as the child of a parent that exists now (the uid of its controlling owner reference),
 * on the same instance, with the very same endpoint and credentials.
 */
export function inheritsParentModelOverride(check: InheritedOverrideCheck): boolean {
  const { run, parent, username, controllerUsername } = check;
  const parentName = run.spec.parent?.runName;
  if (controllerUsername === undefined || username !== controllerUsername) return false;
  if (parentName === undefined || !parent || parent.metadata.name !== parentName) return false;
  const owner = (run.metadata.ownerReferences ?? []).find(
    (ref) => ref.kind === 'AgentRun' && ref.name === parentName && ref.controller === true,
  );
  if (!owner || owner.uid !== parent.metadata.uid) return false;
  // an endpoint-only override sends the instance's key: the same instance, the same key
  if (run.spec.instanceRef !== parent.spec.instanceRef) return false;
  const overrideOf = (model: AgentRun['spec']['model']) =>
    JSON.stringify({
      baseURL: model?.baseURL,
      secret: model?.authSecretRef?.name,
      key: model?.authSecretRef?.key,
    });
  return overrideOf(run.spec.model) === overrideOf(parent.spec.model);
}
